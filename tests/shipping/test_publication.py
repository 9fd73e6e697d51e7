"""The Maven publication that `gradle publish` writes: io.jinfer:jinfer:VERSION in build/repo, with
a POM whose dependencies a Gradle or Maven build resolves as they should be, and jars that hold the
library and nothing else."""

from __future__ import annotations

import hashlib
import re
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from ship import GRADLE, ROOT, VERSION, run

NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def files(repo: Path) -> Path:
    return repo / "io" / "jinfer" / "jinfer" / VERSION


def pom(repo: Path) -> ET.Element:
    return ET.parse(files(repo) / f"jinfer-{VERSION}.pom").getroot()


def text(root: ET.Element, path: str) -> str | None:
    node = root.find(path, NS)
    return None if node is None else node.text


def gradle_ext(name: str) -> str:
    """A version that build.gradle's ext block sets."""
    match = re.search(rf"^\s*{name}\s*=\s*'([^']+)'", (ROOT / "build.gradle").read_text(encoding="utf-8"), re.M)
    assert match, name
    return match.group(1)


def test_the_repository_holds_the_jar_sources_javadoc_and_pom_with_checksums(repo: Path) -> None:
    d = files(repo)
    for suffix in (".jar", "-sources.jar", "-javadoc.jar", ".pom"):
        f = d / f"jinfer-{VERSION}{suffix}"
        assert f.is_file(), sorted(p.name for p in d.iterdir())
        assert (d / f"{f.name}.sha1").read_text().strip() == hashlib.sha1(f.read_bytes()).hexdigest()
    metadata = ET.parse(d.parent / "maven-metadata.xml").getroot()
    assert VERSION in [v.text for v in metadata.iter("version")]


def test_pom_dependencies_and_their_scopes(repo: Path) -> None:
    deps = {
        (text(d, "m:groupId"), text(d, "m:artifactId")): (
            text(d, "m:version"),
            text(d, "m:scope"),
            text(d, "m:optional"),
        )
        for d in pom(repo).findall("m:dependencies/m:dependency", NS)
    }
    assert deps == {
        # the manifest's JSON: Jackson types are not in jinfer's API, but Manifest reads JsonNode
        ("com.fasterxml.jackson.core", "jackson-databind"): (gradle_ext("jacksonVersion"), "compile", None),
        ("com.microsoft.onnxruntime", "onnxruntime"): (gradle_ext("onnxruntimeVersion"), "runtime", None),
        # protobuf's CodedInputStream reads model.onnx for external data before ORT does (issue 10)
        ("com.google.protobuf", "protobuf-java"): (gradle_ext("protobufVersion"), "runtime", None),
        # AGPL: a consumer adds it on purpose; Maven and Gradle never bring it transitively
        ("org.jpmml", "pmml-evaluator-metro"): (gradle_ext("jpmmlVersion"), "runtime", "true"),
        # H2O MOJOs (Apache-2.0), optional like JPMML: only services that ship MOJO bundles need them
        ("ai.h2o", "h2o-genmodel"): (gradle_ext("h2oVersion"), "runtime", "true"),
        ("ai.h2o", "h2o-genmodel-ext-xgboost"): (gradle_ext("h2oVersion"), "runtime", "true"),
    }  # and so no picocli (the CLI's), no JUnit


def test_the_missing_jpmml_message_names_the_artifact_the_pom_declares(repo: Path) -> None:
    source = (ROOT / "java/src/main/java/io/jinfer/pmml/PmmlBackend.java").read_text(encoding="utf-8")
    named = re.search(r'COORDINATES = "([^"]+)"', source)
    assert named and named.group(1) == f"org.jpmml:pmml-evaluator-metro:{gradle_ext('jpmmlVersion')}"


def test_java_and_python_use_one_onnxruntime_release() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert f"onnxruntime=={gradle_ext('onnxruntimeVersion')}" in deps


def test_pom_describes_the_project(repo: Path) -> None:
    root = pom(repo)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert (text(root, "m:groupId"), text(root, "m:artifactId"), text(root, "m:version")) == (
        "io.jinfer",
        "jinfer",
        VERSION,
    )
    assert text(root, "m:name") == "jinfer"
    assert text(root, "m:description") == project["description"]
    assert text(root, "m:url") == project["urls"]["Homepage"]
    assert text(root, "m:licenses/m:license/m:name") == "Apache-2.0"
    assert text(root, "m:scm/m:url") == project["urls"]["Source"]
    assert text(root, "m:scm/m:connection") == f"scm:git:{project['urls']['Source']}.git"


def test_the_jar_holds_the_library_only(repo: Path) -> None:
    with zipfile.ZipFile(files(repo) / f"jinfer-{VERSION}.jar") as z:
        names = z.namelist()
        services = z.read("META-INF/services/io.jinfer.spi.Backend").decode()
    classes = [n for n in names if n.endswith(".class")]
    packages = {n.rsplit("/", 1)[0] for n in classes}
    assert packages == {
        f"io/jinfer/{p}".rstrip("/")
        for p in ("", "spi", "wire", "npy", "onnx", "pmml", "mojo", "python", "python/jep", "bridge")
    }
    assert not [n for n in classes if re.search(r"(Test|IT)(\$.*)?\.class$", n)]
    assert "io.jinfer.onnx.OnnxBackend" in services


def test_sources_and_javadoc_jars_cover_the_api(repo: Path) -> None:
    with zipfile.ZipFile(files(repo) / f"jinfer-{VERSION}-sources.jar") as z:
        sources = set(z.namelist())
    with zipfile.ZipFile(files(repo) / f"jinfer-{VERSION}-javadoc.jar") as z:
        docs = set(z.namelist())
    for cls in ("Models", "Model", "Tensor", "pmml/PmmlBackend"):
        assert f"io/jinfer/{cls}.java" in sources
        assert f"io/jinfer/{cls}.html" in docs
    assert not [n for n in sources if n.startswith(("io/jinfer/cli/", "io/jinfer/bench/"))]


def test_publish_to_maven_local_and_to_a_staging_repository(repo: Path, tmp_path: Path) -> None:
    """The two other places a release goes (docs/releasing.md): the local Maven repository, and a
    staging repository given as -PpublishRepo. Both get the same POM."""
    local, staging = tmp_path / "m2", tmp_path / "staging"
    run([GRADLE, "--console=plain", "-q", "publishToMavenLocal", f"-Dmaven.repo.local={local}"], cwd=ROOT)
    run([GRADLE, "--console=plain", "-q", "publish", f"-PpublishRepo={staging.as_uri()}"], cwd=ROOT)
    built = (files(repo) / f"jinfer-{VERSION}.pom").read_bytes()
    for r in (local, staging):
        assert (files(r) / f"jinfer-{VERSION}.pom").read_bytes() == built
        assert (files(r) / f"jinfer-{VERSION}-sources.jar").is_file()


def test_picocli_and_the_cli_jar_are_in_the_cli_distribution_only() -> None:
    """The Java CLI (build/install/jinfer, `gradle installDist`) has its jar and picocli; the jars
    the Python package runs on, the library's runtime classpath, have neither."""
    lib = {p.name for p in (ROOT / "build" / "install" / "jinfer" / "lib").iterdir()}
    assert {f"jinfer-{VERSION}.jar", f"jinfer-cli-{VERSION}.jar"} <= lib, sorted(lib)
    assert [n for n in lib if n.startswith("picocli-")]
    python_jars = {p.name for p in (ROOT / "python" / "jinfer" / "jars").iterdir()}
    assert f"jinfer-{VERSION}.jar" in python_jars
    assert not [n for n in python_jars if n.startswith(("picocli-", "jinfer-cli-"))], sorted(python_jars)


def test_spark_publication_depends_on_jinfer_and_names_spark_provided(repo: Path) -> None:
    """jinfer-spark goes through the same gradle/publishing.gradle: its own jars and POM beside
    jinfer's, jinfer at compile scope, Spark `provided` (the cluster brings it), no JPMML."""
    d = repo / "io" / "jinfer" / "jinfer-spark" / VERSION
    for suffix in (".jar", "-sources.jar", "-javadoc.jar", ".pom"):
        assert (d / f"jinfer-spark-{VERSION}{suffix}").is_file(), suffix
    root = ET.parse(d / f"jinfer-spark-{VERSION}.pom").getroot()
    scopes = {
        text(dep, "m:artifactId"): text(dep, "m:scope") for dep in root.findall("m:dependencies/m:dependency", NS)
    }
    assert scopes.get("jinfer") == "compile", scopes
    spark = {a: s for a, s in scopes.items() if a is not None and a.startswith("spark-")}
    assert spark and set(spark.values()) == {"provided"}, scopes
    assert not any(a is not None and "pmml" in a for a in scopes), scopes
