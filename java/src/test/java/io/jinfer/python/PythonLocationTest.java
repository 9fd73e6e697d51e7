package io.jinfer.python;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jinfer.BackendException;
import io.jinfer.BackendStatus;
import io.jinfer.ErrorCode;
import io.jinfer.LoadOptions;
import io.jinfer.Models;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a plain JVM finds the Python to embed, and what it says when it cannot: the named executable
 * is missing, is no executable file, is not a Python, or is a Python without a shared libpython or
 * without jinfer. (The Pythons that work, and one without jep, are run by
 * tests/jvm/test_jep_host.py.)
 */
public class PythonLocationTest {
    @Rule public final TemporaryFolder tmp = new TemporaryFolder();

    private static String refusal(LoadOptions options) {
        try {
            PythonLocation.find(options);
        } catch (BackendException e) {
            assertEquals(ErrorCode.BACKEND_UNAVAILABLE, e.code());
            return e.getMessage();
        }
        fail("found a Python");
        return null;
    }

    private static LoadOptions python(Path executable) {
        return LoadOptions.builder().pythonExecutable(executable).build();
    }

    @Test
    public void aMissingExecutableIsNamedWithWhereItWasNamed() {
        Path missing = Path.of("/no/such/env/bin/python");
        assertEquals(
                "LoadOptions.pythonExecutable names "
                        + missing
                        + ", which does not exist; name the python of the environment that has"
                        + " jinfer and jep",
                refusal(python(missing)));
    }

    @Test
    public void theOptionComesBeforeTheSystemProperty() throws IOException {
        Path folder = tmp.newFolder("env").toPath();
        String before = System.getProperty(PythonLocation.PROPERTY);
        System.setProperty(PythonLocation.PROPERTY, "/no/such/python/from/the/property");
        try {
            assertTrue(
                    refusal(LoadOptions.defaults()).startsWith("-Djinfer.python names /no/such"));
            String reason = refusal(python(folder));
            assertTrue(reason, reason.startsWith("LoadOptions.pythonExecutable names " + folder));
            assertTrue(reason, reason.contains("which is not an executable file"));
        } finally {
            restore(before);
        }
    }

    @Test
    public void anExecutableThatIsNotPythonIsRefused() throws IOException {
        Path fake = tmp.newFile("python").toPath();
        Files.writeString(fake, "#!/bin/sh\necho 'no python here' >&2\nexit 4\n");
        assertTrue(fake.toFile().setExecutable(true));
        String reason = refusal(python(fake));
        assertTrue(reason, reason.contains("which is not a Python that runs: exit status 4"));
        assertTrue(reason, reason.contains("no python here"));
    }

    /**
     * An executable that answers the probe as a Python with {@code facts} would. (No Python built
     * without {@code --enable-shared} is installed here: python.org's, Debian's and pyenv's all are
     * shared; the probe's own answers come from real Pythons in tests/jvm/test_jep_host.py.)
     */
    private Path answering(String facts) throws IOException {
        Path python = tmp.newFolder().toPath().resolve("python");
        Files.writeString(
                python,
                "#!/bin/sh\necho 'jinfer-probe: {\"version\": \"3.11.2\", " + facts + "}'\n");
        assertTrue(python.toFile().setExecutable(true));
        return python;
    }

    @Test
    public void aPythonWithoutASharedLibpythonIsRefusedWithTheFix() throws IOException {
        Path jep = tmp.newFolder("jep").toPath();
        Path python = answering("\"jep\": \"" + jep + "\", \"jinfer\": \"/j\", \"shared\": false");
        String reason = refusal(python(python));
        assertTrue(
                reason,
                reason.startsWith(
                        "the Python at "
                                + python
                                + " (LoadOptions.pythonExecutable) was built without"
                                + " --enable-shared: Jep embeds CPython from its shared library"
                                + " (libpython3.11.so)"));
        assertTrue(reason, reason.contains("Use a Python built with --enable-shared"));
    }

    @Test
    public void aPythonWithJepButNoJinferSaysWhatToInstall() throws IOException {
        Path jep = tmp.newFolder("jep").toPath();
        Path python = answering("\"jep\": \"" + jep + "\", \"jinfer\": null, \"shared\": true");
        assertEquals(
                "the Python at "
                        + python
                        + " (LoadOptions.pythonExecutable) has no jinfer; install it there: "
                        + python
                        + " -m pip install 'jinfer[jep]' (Jep compiles against the JDK: set"
                        + " JAVA_HOME first)",
                refusal(python(python)));
    }

    @Test
    public void theBackendIsUnavailableForAPythonItCannotFindAndSaysWhy() {
        String before = System.getProperty(PythonLocation.PROPERTY);
        System.setProperty(PythonLocation.PROPERTY, "/no/such/python/for/the/status");
        try {
            BackendStatus python = Models.backendStatus("python"); // no CPython hosts this JVM
            assertTrue(python.installed());
            assertFalse(python.available());
            assertTrue(
                    python.unavailableReason(),
                    python.unavailableReason()
                            .startsWith("-Djinfer.python names /no/such/python/for/the/status"));
        } finally {
            restore(before);
        }
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(PythonLocation.PROPERTY);
        } else {
            System.setProperty(PythonLocation.PROPERTY, before);
        }
    }
}
