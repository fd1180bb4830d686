package dev.chatbot.operator.children;

import io.fabric8.kubernetes.api.model.apps.Deployment;

/** The frontend Deployment and one backend Deployment per running phase. */
public class DeploymentDependent extends ChildDependent<Deployment> {
  public static final String NAME = "deployments";

  public DeploymentDependent() {
    super(Deployment.class);
  }
}
