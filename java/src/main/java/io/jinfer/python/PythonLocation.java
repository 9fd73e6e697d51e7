package io.jinfer.python;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.jinfer.BackendException;
import io.jinfer.ErrorCode;
import io.jinfer.LoadOptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The Python whose CPython a plain JVM embeds through Jep, and where its Jep lies: found by asking
 * that Python itself (one short subprocess per executable and JVM), so that {@code libjep.so} and
 * the Jep jar always come from the same installation, and the embedded interpreter is told exactly
 * which program it is (it must not guess its prefix from the first {@code python3} on {@code
 * PATH}).
 *
 * @param executable the {@code python} as named by the user
 * @param source where it was named: {@code LoadOptions.pythonExecutable}, {@code -Djinfer.python},
 *     {@code JINFER_PYTHON} or {@code VIRTUAL_ENV}
 * @param programName the executable as that Python names itself ({@code sys.executable}), the
 *     program name the embedded interpreter gets
 * @param prefix its {@code sys.prefix} (a virtualenv's own directory), which the embedded
 *     interpreter must find too
 * @param version its version, e.g. {@code 3.11.7}
 * @param libjep Jep's native library in that environment
 * @param jepJar the Jep jar built with that library
 */
public record PythonLocation(
        Path executable,
        String source,
        String programName,
        String prefix,
        String version,
        Path libjep,
        Path jepJar) {

    /** The system property that names the Python: {@code -Djinfer.python=PATH}. */
    public static final String PROPERTY = "jinfer.python";

    /** The environment variable that names the Python: {@code JINFER_PYTHON=PATH}. */
    public static final String VARIABLE = "JINFER_PYTHON";

    private static final String INSTALL =
            "pip install 'jinfer[jep]' (Jep compiles against the JDK: set JAVA_HOME first)";

    /** What starts the probe's answer, a line among whatever else the Python prints. */
    private static final String ANSWER = "jinfer-probe: ";

    /** Asks the Python where it is and what it has; prints one {@link #ANSWER} line of JSON. */
    private static final String PROBE =
            String.join(
                    "\n",
                    "import importlib.util, json, os, sys, sysconfig",
                    "def where(name):",
                    "    spec = importlib.util.find_spec(name)",
                    "    places = spec.submodule_search_locations if spec else None",
                    "    return list(places)[0] if places else None",
                    "v = sysconfig.get_config_var",
                    "lib = v('INSTSONAME') or v('LDLIBRARY') or ''",
                    "dirs = [d for d in (v('LIBDIR'), os.path.join(v('LIBDIR') or '',"
                            + " v('MULTIARCH') or '')) if d]",
                    "shared = bool(v('Py_ENABLE_SHARED')) or any(os.path.isfile(os.path.join(d,"
                            + " lib)) for d in dirs)",
                    "print('"
                            + ANSWER
                            + "' + json.dumps({'executable': sys.executable,"
                            + " 'prefix': sys.prefix,",
                    "    'version': '%d.%d.%d' % sys.version_info[:3], 'jep': where('jep'),",
                    "    'jinfer': where('jinfer'), 'shared': shared}))");

    private static final Map<Path, PythonLocation> FOUND = new ConcurrentHashMap<>();
    private static final Map<Path, BackendException> REFUSED = new ConcurrentHashMap<>();

    /**
     * The Python that {@code options} or this process names: {@link
     * LoadOptions#pythonExecutable()}, {@code -Djinfer.python}, {@code JINFER_PYTHON}, then {@code
     * $VIRTUAL_ENV/bin/python}. Asked once per executable; the answer (or the refusal) is kept.
     *
     * @throws BackendException ({@code BACKEND_UNAVAILABLE}) naming the fix when no Python is
     *     named, the named one does not run, or it lacks jinfer, jep or a shared libpython
     */
    public static PythonLocation find(LoadOptions options) {
        Named named = named(options);
        Path executable = named.executable().toAbsolutePath().normalize();
        String source = named.source();
        BackendException refused = REFUSED.get(executable);
        if (refused != null) {
            throw refused;
        }
        PythonLocation found = FOUND.get(executable);
        if (found != null) {
            return found;
        }
        try {
            found = probe(executable, source);
        } catch (BackendException e) {
            REFUSED.put(executable, e);
            throw e;
        }
        FOUND.put(executable, found);
        return found;
    }

    /** A Python executable, and where it was named. */
    private record Named(Path executable, String source) {}

    private static Named named(LoadOptions options) {
        if (options.pythonExecutable() != null) {
            return new Named(options.pythonExecutable(), "LoadOptions.pythonExecutable");
        }
        String property = System.getProperty(PROPERTY);
        if (property != null && !property.isBlank()) {
            return new Named(Path.of(property), "-D" + PROPERTY);
        }
        String variable = System.getenv(VARIABLE);
        if (variable != null && !variable.isBlank()) {
            return new Named(Path.of(variable), VARIABLE);
        }
        String venv = System.getenv("VIRTUAL_ENV");
        if (venv != null && !venv.isBlank()) {
            return new Named(Path.of(venv, "bin", "python"), "VIRTUAL_ENV");
        }
        throw unavailable(
                "no Python is named for the python backend in this plain JVM. Name the python of"
                        + " an environment that has jinfer and jep ("
                        + INSTALL
                        + ") with LoadOptions.builder().pythonExecutable(path), -D"
                        + PROPERTY
                        + "=PATH or "
                        + VARIABLE
                        + "=PATH, or start the JVM in that virtualenv (VIRTUAL_ENV); or run the"
                        + " program under `jinfer run-java -cp ... MAIN`, where Python hosts the"
                        + " JVM");
    }

    private static PythonLocation probe(Path executable, String source) {
        String named = source + " names " + executable;
        if (!Files.isRegularFile(executable) || !Files.isExecutable(executable)) {
            throw unavailable(
                    named
                            + (Files.exists(executable)
                                    ? ", which is not an executable file"
                                    : ", which does not exist")
                            + "; name the python of the environment that has jinfer and jep");
        }
        JsonNode facts = run(executable, named);
        String at = "the Python at " + executable + " (" + source + ")";
        if (facts.path("jep").isNull()) {
            throw unavailable(
                    at + " has no jep; install it there: " + executable + " -m " + INSTALL);
        }
        if (!facts.path("shared").asBoolean()) {
            String version = facts.path("version").asText();
            throw unavailable(
                    at
                            + " was built without --enable-shared: Jep embeds CPython from its"
                            + " shared library (libpython"
                            + version.substring(0, Math.max(0, version.lastIndexOf('.')))
                            + ".so), which it lacks. Use a Python built with --enable-shared"
                            + " (python.org's and Debian's are; pyenv:"
                            + " PYTHON_CONFIGURE_OPTS=--enable-shared pyenv install VERSION)");
        }
        if (facts.path("jinfer").isNull()) {
            throw unavailable(
                    at + " has no jinfer; install it there: " + executable + " -m " + INSTALL);
        }
        Path jep = Path.of(facts.path("jep").asText());
        Path libjep =
                firstFile(jep, List.of("libjep.so", "libjep.jnilib", "libjep.dylib", "jep.dll"));
        Path jar = firstFile(jep, "jep-*.jar");
        if (libjep == null || jar == null) {
            throw unavailable(
                    "jep at "
                            + jep
                            + " has no "
                            + (libjep == null ? "native library (libjep.so)" : "jar (jep-*.jar)")
                            + "; reinstall it: "
                            + executable
                            + " -m pip install --force-reinstall --no-deps jep");
        }
        return new PythonLocation(
                executable,
                source,
                facts.path("executable").asText(),
                facts.path("prefix").asText(),
                facts.path("version").asText(),
                libjep,
                jar);
    }

    private static JsonNode run(Path executable, String named) {
        String output;
        int status;
        try {
            Process p =
                    new ProcessBuilder(executable.toString(), "-c", PROBE)
                            .redirectErrorStream(true)
                            .start();
            p.getOutputStream().close();
            try (InputStream out = p.getInputStream()) {
                output = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw unavailable(named + ", which did not answer within 60 s");
            }
            status = p.exitValue();
        } catch (IOException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE, named + ", which did not run: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(named + ": interrupted while asking it where it is");
        }
        int answer = output.lastIndexOf(ANSWER);
        int end = output.indexOf('\n', answer);
        String json =
                answer < 0
                        ? ""
                        : output.substring(
                                answer + ANSWER.length(), end < 0 ? output.length() : end);
        if (status != 0 || json.isEmpty()) {
            throw unavailable(
                    named
                            + ", which is not a Python that runs: exit status "
                            + status
                            + ": "
                            + output);
        }
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new BackendException(
                    ErrorCode.BACKEND_UNAVAILABLE, named + " answered " + output, e);
        }
    }

    private static Path firstFile(Path dir, List<String> names) {
        for (String name : names) {
            if (Files.isRegularFile(dir.resolve(name))) {
                return dir.resolve(name);
            }
        }
        return null;
    }

    private static Path firstFile(Path dir, String glob) {
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, glob)) {
            for (Path p : found) {
                return p;
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private static BackendException unavailable(String message) {
        return new BackendException(ErrorCode.BACKEND_UNAVAILABLE, message);
    }
}
