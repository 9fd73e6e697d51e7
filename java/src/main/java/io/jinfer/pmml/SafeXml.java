package io.jinfer.pmml;

import io.jinfer.BundleException;
import io.jinfer.ErrorCode;
import io.jinfer.Limits;

import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;

/**
 * The front door of a PMML document: checked with the JDK's SAX parser before JPMML sees it.
 *
 * <ul>
 *   <li>At most {@link Limits#maxPmmlBytes()} long ({@code BUNDLE_TOO_LARGE}).
 *   <li>No {@code DOCTYPE}, in any encoding the parser detects (UTF-8, UTF-16...): PMML needs no
 *       DTD, and a DTD is the door to external entities (XXE) and to entity expansion ("billion
 *       laughs"). A document-type declaration is refused whole, so no entity is ever resolved and
 *       no file is read ({@code UNSAFE_CONTENT}).
 *   <li>Elements nested at most {@link Limits#maxXmlDepth()} deep, the JDK's {@code
 *       maxElementDepth}: JPMML's recursive visitors would overflow the stack on deeper documents
 *       ({@code UNSUPPORTED_ARTIFACT}).
 *   <li>Well-formed XML ({@code BUNDLE_CORRUPT}).
 * </ul>
 */
final class SafeXml {
    private static final String MAX_ELEMENT_DEPTH =
            "http://www.oracle.com/xml/jaxp/properties/maxElementDepth";

    private SafeXml() {}

    static void check(byte[] xml, String where, Limits limits) {
        if (xml.length > limits.maxPmmlBytes()) {
            throw new BundleException(
                    ErrorCode.BUNDLE_TOO_LARGE,
                    where
                            + " is "
                            + xml.length
                            + " bytes, over the bound of "
                            + limits.maxPmmlBytes()
                            + " for a PMML document (Limits.maxPmmlBytes)");
        }
        try {
            SAXParserFactory f = SAXParserFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            SAXParser parser = f.newSAXParser();
            parser.setProperty(MAX_ELEMENT_DEPTH, String.valueOf(limits.maxXmlDepth()));
            parser.parse(new ByteArrayInputStream(xml), new DefaultHandler());
        } catch (SAXException e) {
            String m = String.valueOf(e.getMessage());
            if (m.contains("DOCTYPE")) {
                throw new BundleException(
                        ErrorCode.UNSAFE_CONTENT,
                        where
                                + " declares a DOCTYPE, which PMML does not need "
                                + "and which could pull in external entities; it is refused unread",
                        e);
            }
            if (m.contains("maxElementDepth")) {
                throw new BundleException(
                        ErrorCode.UNSUPPORTED_ARTIFACT,
                        where
                                + " nests elements more than "
                                + limits.maxXmlDepth()
                                + " deep (Limits.maxXmlDepth); JPMML cannot evaluate it",
                        e);
            }
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT, where + " is not well-formed XML: " + m, e);
        } catch (ParserConfigurationException | IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT, "cannot check " + where + ": " + e.getMessage(), e);
        }
    }
}
