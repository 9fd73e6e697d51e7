package io.jinfer.pmml;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.Limits;
import io.jinfer.LoadOptions;
import io.jinfer.Model;
import io.jinfer.Models;
import io.jinfer.Tensor;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The PMML front door (issue 10): a DOCTYPE in any encoding, entity expansion, deep nesting and
 * size are refused with typed errors before, or while, JPMML reads the document; never an {@code
 * Error} that escapes {@code Models.load}.
 */
public class PmmlFrontDoorTest {
    @Rule public TemporaryFolder tmp = new TemporaryFolder();

    private static final String HEAD =
            "<PMML xmlns=\"http://www.dmg.org/PMML-4_4\" version=\"4.4\"><Header>%s</Header>"
                    + "<DataDictionary><DataField name=\"x1\" optype=\"continuous\""
                    + " dataType=\"double\"/><DataField name=\"y\" optype=\"continuous\""
                    + " dataType=\"double\"/></DataDictionary>";
    private static final String REGRESSION =
            "<RegressionModel functionName=\"regression\"><MiningSchema><MiningField name=\"x1\"/>"
                    + "<MiningField name=\"y\" usageType=\"target\"/></MiningSchema>"
                    + "<RegressionTable intercept=\"1.5\"><NumericPredictor name=\"x1\""
                    + " coefficient=\"2\"/></RegressionTable></RegressionModel></PMML>";

    private static String pmml(String header) {
        return String.format(HEAD, header) + REGRESSION;
    }

    private static String nested(int depth) {
        return "<Extension>".repeat(depth) + "</Extension>".repeat(depth);
    }

    private Path bundle(String name, byte[] pmml) throws IOException {
        return PmmlTestBundles.regression(tmp.getRoot().toPath().resolve(name), pmml, "x1");
    }

    private static BundleException refused(ErrorCode code, Path bundle, Limits limits) {
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> Models.load(bundle, LoadOptions.builder().limits(limits).build()));
        assertEquals(e.getMessage(), code, e.code());
        return e;
    }

    @Test
    public void aPlainDocumentLoadsAndPredicts() throws IOException {
        Path ok = bundle("ok.jinfer", pmml(nested(50)).getBytes(StandardCharsets.UTF_8));
        try (Model m = Models.load(ok)) {
            double[] y =
                    m.predict(Map.of("features", Tensor.of(new double[][] {{1}, {2}})))
                            .get("prediction")
                            .toDoubleArray();
            assertArrayEquals(new double[] {3.5, 5.5}, y, 0.0);
        }
    }

    @Test
    public void deepNestingIsUnsupportedNotAStackOverflow() throws IOException {
        // 200,000 nested <Extension> elements overflowed JPMML's visitors inside Models.load
        Path deep = bundle("deep.jinfer", pmml(nested(200_000)).getBytes(StandardCharsets.UTF_8));
        BundleException e = refused(ErrorCode.UNSUPPORTED_ARTIFACT, deep, Limits.defaults());
        assertTrue(e.getMessage(), e.getMessage().contains("1000"));
        Path over = bundle("over.jinfer", pmml(nested(40)).getBytes(StandardCharsets.UTF_8));
        refused(ErrorCode.UNSUPPORTED_ARTIFACT, over, Limits.builder().maxXmlDepth(30).build());
    }

    @Test
    public void aStackOverflowWithinTheBoundIsStillATypedError() throws Exception {
        // on a thread with a small stack, JPMML can overflow below the nesting bound: the
        // StackOverflowError must come out as UNSUPPORTED_ARTIFACT, or the model must load
        Path deep = bundle("d.jinfer", pmml(nested(990)).getBytes(StandardCharsets.UTF_8));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t =
                new Thread(
                        null,
                        () -> {
                            try (Model m = Models.load(deep)) {
                                assertEquals("pmml", m.backend());
                            } catch (Throwable ex) {
                                thrown.set(ex);
                            }
                        },
                        "small-stack",
                        192 * 1024);
        t.start();
        t.join();
        Throwable ex = thrown.get();
        if (ex != null) {
            assertTrue(String.valueOf(ex), ex instanceof BundleException);
            assertEquals(ErrorCode.UNSUPPORTED_ARTIFACT, ((BundleException) ex).code());
        }
    }

    @Test
    public void aDocumentOverTheSizeBoundIsTooLarge() throws IOException {
        byte[] doc = pmml(nested(10)).getBytes(StandardCharsets.UTF_8);
        Path p = bundle("big.jinfer", doc);
        BundleException e =
                refused(
                        ErrorCode.BUNDLE_TOO_LARGE,
                        p,
                        Limits.builder().maxPmmlBytes(doc.length - 1).build());
        assertTrue(e.getMessage(), e.getMessage().contains("maxPmmlBytes"));
    }

    private static final String LAUGHS =
            "<!DOCTYPE PMML [<!ENTITY a \"lol\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                    + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                    + "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>";

    @Test
    public void billionLaughsAndExternalEntitiesAreRefusedInEveryEncoding() throws IOException {
        String laughs = LAUGHS + pmml("<Extension name=\"&d;\"/>");
        String xxe =
                "<!DOCTYPE PMML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                        + pmml("<Extension name=\"&x;\"/>");
        for (Charset cs :
                new Charset[] {
                    StandardCharsets.UTF_8, StandardCharsets.UTF_16, StandardCharsets.UTF_16LE
                }) {
            for (String doc : new String[] {laughs, xxe}) {
                String prolog =
                        "<?xml version=\"1.0\" encoding=\""
                                + (cs == StandardCharsets.UTF_8 ? "UTF-8" : "UTF-16")
                                + "\"?>";
                Path p = bundle("e.jinfer", bytes(cs, prolog + doc));
                BundleException e = refused(ErrorCode.UNSAFE_CONTENT, p, Limits.defaults());
                assertTrue(e.getMessage(), e.getMessage().contains("DOCTYPE"));
            }
        }
    }

    private static byte[] bytes(Charset cs, String text) {
        return (cs == StandardCharsets.UTF_16LE ? "\uFEFF" + text : text).getBytes(cs);
    }
}
