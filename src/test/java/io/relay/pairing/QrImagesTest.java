package io.relay.pairing;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.LuminanceSource;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("QR images")
class QrImagesTest {

    private static final String QR_DATA = PairingSecrets.qrData(
            new PairingSecrets("k".repeat(32).getBytes(StandardCharsets.UTF_8)).scanSecret("6f9619ff-8b86-d011-b42d-00c04fc964ff"),
            1_700_000_000_000L, 300_000L);

    @Test
    @DisplayName("the PNG decodes back to exactly the qrData it was made from")
    void pngRoundTrip() throws Exception {
        Buffer png = QrImages.png(QR_DATA, 320);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png.getBytes()));
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(image.getHeight()).isBetween(300, 340);
        assertThat(decode(image)).isEqualTo(QR_DATA);
    }

    @Test
    @DisplayName("the SVG is well-formed XML whose viewBox is the module grid, quiet zone included")
    void svgIsValidXml() throws Exception {
        Element svg = parse(QrImages.svg(QR_DATA)).getDocumentElement();
        assertThat(svg.getTagName()).isEqualTo("svg");
        assertThat(svg.getNamespaceURI()).isEqualTo("http://www.w3.org/2000/svg");
        String[] viewBox = svg.getAttribute("viewBox").split(" ");
        assertThat(viewBox).hasSize(4);
        assertThat(viewBox[0]).isEqualTo("0");
        assertThat(viewBox[1]).isEqualTo("0");
        int side = Integer.parseInt(viewBox[2]);
        assertThat(viewBox[3]).isEqualTo(viewBox[2]);
        // 17 + 4 * version modules, plus a two-module margin on each side.
        assertThat((side - 4 - 17) % 4).isZero();
        assertThat(side).isGreaterThanOrEqualTo(21 + 4);
    }

    @Test
    @DisplayName("the SVG's modules, drawn at 4 px each, decode back to the qrData")
    void svgRoundTrip() throws Exception {
        Element svg = parse(QrImages.svg(QR_DATA)).getDocumentElement();
        int side = Integer.parseInt(svg.getAttribute("viewBox").split(" ")[2]);
        String d = ((Element) svg.getElementsByTagName("path").item(0)).getAttribute("d");
        int scale = 4;
        BitMatrix matrix = new BitMatrix(side * scale);
        Matcher run = Pattern.compile("M(\\d+) (\\d+)h(\\d+)v1h-\\3z").matcher(d);
        int end = 0;
        while (run.find()) {
            assertThat(run.start()).as("path is only horizontal runs").isEqualTo(end);
            end = run.end();
            matrix.setRegion(Integer.parseInt(run.group(1)) * scale, Integer.parseInt(run.group(2)) * scale,
                    Integer.parseInt(run.group(3)) * scale, scale);
        }
        assertThat(end).isEqualTo(d.length());
        assertThat(decode(MatrixToImageWriter.toBufferedImage(matrix))).isEqualTo(QR_DATA);
    }

    private static String decode(BufferedImage image) throws Exception {
        // PURE_BARCODE: these are clean renders, not photos. ZXing's camera-oriented finder-pattern search
        // misses roughly 1 in 100 pixel-perfect images whatever the margin, which would make this test flaky.
        LuminanceSource source = new BufferedImageLuminanceSource(image);
        return new QRCodeReader().decode(new BinaryBitmap(new HybridBinarizer(source)),
                Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getText();
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }
}
