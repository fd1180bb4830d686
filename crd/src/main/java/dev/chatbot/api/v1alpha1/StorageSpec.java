package dev.chatbot.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The PersistentVolumeClaim holding downloaded models. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!has(self.existingClaim) || !has(self.storageClassName)",
    message = "storageClassName cannot be set together with existingClaim",
    fieldPath = ".storageClassName",
    reason = "FieldValueForbidden")
public class StorageSpec {
  public static final String DEFAULT_SIZE = "20Gi";
  public static final String DEFAULT_ACCESS_MODE = "ReadWriteOnce";
  public static final boolean DEFAULT_RETAIN_ON_DELETE = false;

  @Default(DEFAULT_SIZE)
  @Pattern(ResourceAmounts.QUANTITY_PATTERN)
  @JsonPropertyDescription("Size of the volume, as a Kubernetes quantity.")
  private String size = DEFAULT_SIZE;

  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("StorageClass of the volume. Empty means the cluster's default.")
  private String storageClassName;

  @Size(min = 1, max = 3)
  @JsonPropertyDescription(
      "Access modes: ReadWriteOnce (default), ReadWriteMany or ReadOnlyMany. ReadWriteMany lets"
          + " pods on several nodes share the models.")
  private List<@Pattern("^(ReadWriteOnce|ReadWriteMany|ReadOnlyMany|ReadWriteOncePod)$") String>
      accessModes;

  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription(
      "Use this existing claim instead of creating one. The operator never deletes it.")
  private String existingClaim;

  @Default("" + DEFAULT_RETAIN_ON_DELETE)
  @JsonPropertyDescription(
      "Keep the created claim, and the models in it, when the ChatbotDeployment is deleted.")
  private Boolean retainOnDelete = DEFAULT_RETAIN_ON_DELETE;

  public String getSize() {
    return size;
  }

  public void setSize(String size) {
    this.size = size;
  }

  public String getStorageClassName() {
    return storageClassName;
  }

  public void setStorageClassName(String storageClassName) {
    this.storageClassName = storageClassName;
  }

  public List<String> getAccessModes() {
    return accessModes;
  }

  public void setAccessModes(List<String> accessModes) {
    this.accessModes = accessModes;
  }

  public String getExistingClaim() {
    return existingClaim;
  }

  public void setExistingClaim(String existingClaim) {
    this.existingClaim = existingClaim;
  }

  public Boolean getRetainOnDelete() {
    return retainOnDelete;
  }

  public void setRetainOnDelete(Boolean retainOnDelete) {
    this.retainOnDelete = retainOnDelete;
  }
}
