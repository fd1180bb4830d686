package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.Service;

/** The backend Service (its selector moves traffic between phases) and the public Service. */
public class ServiceDependent extends ChildDependent<Service> {
  public static final String NAME = "services";

  public ServiceDependent() {
    super(Service.class);
  }
}
