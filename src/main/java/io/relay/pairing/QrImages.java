package io.relay.pairing;

import com.google.zxing.BarcodeFormat;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.client.j2se.MatrixToImageWriter;
import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.QRCodeWriter;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * QR code images of a {@code qrData} string, for clients that would rather fetch an image than draw
 * one. Encoding is CPU work of a few milliseconds: call these from {@code vertx.executeBlocking},
 * never on an event loop.
 */
public final class QrImages {

    /** Medium error correction survives a photographed screen; a two-module quiet zone is enough on a screen. */
    private static final Map<EncodeHintType, Object> HINTS = Map.of(
            EncodeHintType.ERROR_CORRECTION, ErrorCorrectionLevel.M,
            EncodeHintType.MARGIN, 2,
            EncodeHintType.CHARACTER_SET, "UTF-8");

    private QrImages() {
    }

    /** A square black-on-white PNG of about {@code sizePx} pixels a side. */
    public static Buffer png(String data, int sizePx) {
        BitMatrix matrix = encode(data, sizePx);
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            MatrixToImageWriter.writeToStream(matrix, "PNG", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    /**
     * A standalone SVG, one unit per module (quiet zone included) in its {@code viewBox}, so it scales
     * to any size without blurring. Dark modules are drawn as one path of horizontal runs.
     */
    public static String svg(String data) {
        BitMatrix matrix = encode(data, 0); // size 0: one pixel per module
        int w = matrix.getWidth();
        int h = matrix.getHeight();
        StringBuilder path = new StringBuilder(w * h);
        for (int y = 0; y < h; y++) {
            int x = 0;
            while (x < w) {
                if (!matrix.get(x, y)) {
                    x++;
                    continue;
                }
                int start = x;
                while (x < w && matrix.get(x, y)) {
                    x++;
                }
                path.append('M').append(start).append(' ').append(y)
                        .append('h').append(x - start).append("v1h-").append(x - start).append('z');
            }
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 " + w + " " + h + "\""
                + " width=\"" + w * 8 + "\" height=\"" + h * 8 + "\" shape-rendering=\"crispEdges\">"
                + "<rect width=\"" + w + "\" height=\"" + h + "\" fill=\"#fff\"/>"
                + "<path fill=\"#000\" d=\"" + path + "\"/>"
                + "</svg>\n";
    }

    private static BitMatrix encode(String data, int sizePx) {
        try {
            return new QRCodeWriter().encode(data, BarcodeFormat.QR_CODE, sizePx, sizePx, HINTS);
        } catch (WriterException e) {
            throw new IllegalArgumentException("data does not fit in a QR code", e);
        }
    }
}
