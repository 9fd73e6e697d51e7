package io.jinfer.pmml;

import io.jinfer.BundleException;
import io.jinfer.ErrorCode;

import org.xml.sax.SAXException;
import org.xml.sax.helpers.DefaultHandler;

import java.io.ByteArrayInputStream;
import java.io.IOException;

import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParserFactory;

/**
 * Refuses a PMML document with a {@code DOCTYPE} before any XML parser that could resolve entities
 * sees it. PMML needs no DTD, and a DTD is the door to external entities (XXE): a document-type
 * declaration is refused whole, so no entity is ever resolved and no file is read.
 */
final class SafeXml {
    private SafeXml() {}

    static void refuseDoctype(byte[] xml, String where) {
        try {
            SAXParserFactory f = SAXParserFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.newSAXParser().parse(new ByteArrayInputStream(xml), new DefaultHandler());
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
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT, where + " is not well-formed XML: " + m, e);
        } catch (ParserConfigurationException | IOException e) {
            throw new BundleException(
                    ErrorCode.BUNDLE_CORRUPT, "cannot check " + where + ": " + e.getMessage(), e);
        }
    }
}
