package io.jinfer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The layer contract of the Java packages: each package's {@code package-info.java} states, after
 * {@code May import:}, the jinfer packages its classes may name, and no class names any other
 * (imports and fully qualified names alike; comments and strings are not read). The sources are the
 * jar's and the benchmark harness's ({@code jinfer.sources}, set by the build).
 */
public class PackageLayersTest {
    private static final Pattern MAY_IMPORT =
            Pattern.compile("<b>May import:</b>(.*?)(?:<p>|\\*/)", Pattern.DOTALL);
    private static final Pattern CODE_PACKAGE = Pattern.compile("\\{@code (io\\.jinfer[\\w.]*)}");
    private static final Pattern REFERENCE =
            Pattern.compile("\\b(io\\.jinfer(?:\\.[a-z]\\w*)*)\\.[A-Z]\\w*");
    private static final Pattern COMMENT_OR_STRING =
            Pattern.compile("/\\*.*?\\*/|//[^\\n]*|\"(?:\\\\.|[^\"\\\\])*\"", Pattern.DOTALL);

    private static List<Path> roots() {
        String dirs = System.getProperty("jinfer.sources", "java/src/main/java");
        List<Path> out = new ArrayList<>();
        for (String d : dirs.split(java.io.File.pathSeparator)) {
            out.add(Paths.get(d));
        }
        return out;
    }

    private static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> javaFiles(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".java"))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    @Test
    public void everyPackageStatesItsLayerAndImportsOnlyWhatItMay() throws IOException {
        TreeMap<String, Set<String>> violations = new TreeMap<>();
        Set<String> packages = new TreeSet<>();
        for (Path root : roots()) {
            for (Path file : javaFiles(root)) {
                String pkg =
                        root.relativize(file.getParent())
                                .toString()
                                .replace(file.getFileSystem().getSeparator(), ".");
                if (!packages.add(pkg)) {
                    continue;
                }
                Path info = file.getParent().resolve("package-info.java");
                assertTrue(pkg + " has no package-info.java", Files.exists(info));
                String doc = read(info);
                assertTrue(pkg + "'s package-info states no layer", doc.contains("<b>Layer:</b>"));
                Matcher may = MAY_IMPORT.matcher(doc);
                assertTrue(pkg + "'s package-info has no <b>May import:</b>", may.find());
                Set<String> allowed = new TreeSet<>();
                allowed.add(pkg);
                Matcher code = CODE_PACKAGE.matcher(may.group(1));
                while (code.find()) {
                    allowed.add(code.group(1));
                }
                try (Stream<Path> files = Files.list(file.getParent())) {
                    for (Path f :
                            files.filter(p -> p.toString().endsWith(".java"))
                                    .collect(Collectors.toList())) {
                        Matcher ref =
                                REFERENCE.matcher(
                                        COMMENT_OR_STRING.matcher(read(f)).replaceAll(" "));
                        while (ref.find()) {
                            if (!allowed.contains(ref.group(1))) {
                                violations
                                        .computeIfAbsent(
                                                root.relativize(f).toString(), k -> new TreeSet<>())
                                        .add(ref.group(1));
                            }
                        }
                    }
                }
            }
        }
        assertTrue("no sources found under " + roots(), packages.contains("io.jinfer"));
        assertEquals(
                "classes naming packages their package-info does not allow",
                new TreeMap<>(),
                violations);
    }
}
