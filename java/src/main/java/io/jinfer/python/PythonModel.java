package io.jinfer.python;

import io.jinfer.Tensor;
import java.util.Map;

/** One Python model or callable, as Java sees it. Implemented in Python. */
public interface PythonModel {
    /** Runs one batch: inputs are shared with Python as numpy views, outputs come back the same way.
     * @throws PythonException when the Python code raises */
    Map<String, Tensor> predict(Map<String, Tensor> inputs);

    /** The manifest of a live object (its specs), as JSON. */
    String manifestJson();
}
