import io.jinfer.DType;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensors between Java and Python without copies, on a [1, N] float64 tensor (N = args[0]), through
 * the live callables python:identity, python:doubled, python:where, python:keep and python:peek.
 * Prints one {@code name=value} fact per line; the test checks them.
 */
public final class ZeroCopy {
    private ZeroCopy() {}

    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        ByteBuffer buf = ByteBuffer.allocateDirect(n * 8).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            buf.putDouble(i * 8, i * 0.5);
        }
        Tensor x = Tensor.wrap(buf, DType.FLOAT64, 1, n);
        try (Model identity = Models.load("python:identity");
                Model doubled = Models.load("python:doubled");
                Model where = Models.load("python:where");
                Model keep = Models.load("python:keep");
                Model peek = Models.load("python:peek")) {
            Tensor y = identity.predict(x).get("y");
            System.out.println("identity.direct=" + y.buffer().isDirect());
            System.out.println("identity.shape=" + java.util.Arrays.toString(y.shape()));
            System.out.println("identity.wrong=" + wrong(y.toDoubleArray(), 0.5));

            Tensor d = doubled.predict(x).get("y"); // a fresh numpy array, handed to Java
            System.out.println("doubled.direct=" + d.buffer().isDirect());
            System.out.println("doubled.wrong=" + wrong(d.toDoubleArray(), 1.0));
            // back to Python: where() records the address its input views
            System.out.println("where.sum=" + where.predict(d).get("y").toDoubleArray()[0]);

            System.out.println("keep.first=" + keep.predict(x).get("y").toDoubleArray()[0]);
            buf.putDouble(
                    0, 42.0); // Java changes its memory after the call: Python's kept view sees it
            System.out.println("peek.first=" + peek.predict(x).get("y").toDoubleArray()[0]);
        }
    }

    /** How many elements differ from {@code i * step}. */
    private static int wrong(double[] values, double step) {
        int bad = 0;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != i * step) {
                bad++;
            }
        }
        return bad;
    }
}
