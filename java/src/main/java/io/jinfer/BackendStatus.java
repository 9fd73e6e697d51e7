package io.jinfer;

/**
 * Whether this JVM can run one backend's artifacts, as {@link Models#backendStatus} finds it.
 *
 * <pre>{@code
 * BackendStatus pmml = Models.backendStatus("pmml");
 * if (!pmml.available()) {
 *     System.err.println(pmml.installed() ? pmml.unavailableReason() : "no pmml backend");
 * }
 * }</pre>
 *
 * @param name the backend's name, as artifacts give it, e.g. {@code "onnx"}
 * @param installed whether a backend of that name is on the classpath
 * @param unavailableReason why an installed backend cannot run here (its runtime is absent, say),
 *     with what to add or do; null when it can run, and when it is not installed
 */
public record BackendStatus(String name, boolean installed, String unavailableReason) {
    /** Whether artifacts of this backend can be loaded in this JVM. */
    public boolean available() {
        return installed && unavailableReason == null;
    }
}
