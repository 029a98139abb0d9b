package io.relay.gateway.engineio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.impl.VertxHandler;

/**
 * A server WebSocket run on Netty's frames directly, once Vert.x has made the handshake.
 *
 * <p>Why not Vert.x's {@link ServerWebSocket}: an idle one keeps about 7 KiB of heap that no Socket.IO
 * connection uses (a multi-producer write queue whose first chunk is 1,024 slots, and the HTTP/1 connection it
 * was upgraded from with its request and response), and every frame passes through its connection, its frame
 * conversion and its inbound queue before the relay sees it (BENCHMARKS.md, 2026-12-02 and 2026-12-06). The
 * relay needs none of that: it bounds what it writes to a socket itself ({@link OutboundBytes}), assembles and
 * checks messages itself ({@link WebSocketMessages}), and writes on the socket's own event loop. So after the
 * handshake this handler takes Vert.x's place in the channel's pipeline, behind Netty's frame decoder and
 * encoder that the handshake installed, and Vert.x forgets the connection (its own gauges count it as closed
 * from then on; {@code relay_connections} counts it).
 *
 * <p>What Vert.x did for a WebSocket and this does too: pings answered with pongs; the close handshake (a
 * client's close frame echoed, then the TCP connection closed by the server, as RFC 6455 7.1.1 has it; a close
 * of ours waits for the client's answer, bounded by the caller); a frame the decoder refuses reported with its
 * close code, and the connection then read on until the client has it (a lingering close). Inbound work runs on the
 * socket's Vert.x context, as a Vert.x handler would.
 */
final class NettyWebSocket extends ChannelInboundHandlerAdapter implements WebSocketMessages.Sink {

    /** What the WebSocket hears, on its context. */
    interface Listener {
        void text(String text);

        void binary(Buffer data);

        /**
         * The client broke the protocol (a frame the decoder refused, a message too big or not UTF-8): close with
         * {@code code} (RFC 6455), or without a status when null.
         */
        void failed(Short code, String why);

        /** The TCP connection closed, whoever closed it. Called once. */
        void closed();
    }

    /** A frame's first byte: FIN, no extension bits, opcode 1 (text), RFC 6455 5.2. */
    private static final int FIN_TEXT = 0x81;

    private static final Listener DEAF = new Listener() {
        @Override
        public void text(String text) {
        }

        @Override
        public void binary(Buffer data) {
        }

        @Override
        public void failed(Short code, String why) {
        }

        @Override
        public void closed() {
        }
    };

    private final ContextInternal context;
    private final WebSocketMessages messages;
    private ChannelHandlerContext ctx;
    private Listener listener = DEAF;
    /** A close frame went out (ours, or our echo of the client's): nothing but the TCP close follows. */
    private volatile boolean closeSent;
    /** The decoder refused a frame and drops everything after it: a close of ours will hear no answer. */
    private volatile boolean inputBroken;
    private boolean closedTold;

    private NettyWebSocket(ContextInternal context, int maxMessageBytes) {
        this.context = context;
        this.messages = new WebSocketMessages(maxMessageBytes, this);
    }

    /**
     * Takes the channel of {@code connection}, whose request Vert.x has just upgraded to a WebSocket, over from
     * Vert.x. Call on the WebSocket's context, in the callback of the upgrade (before the event loop reads again,
     * so no frame can have reached Vert.x), then {@link #listen} at once. Inbound work will run on {@code context}.
     * The connection is asked for rather than the WebSocket, since Vert.x Web hands out a wrapper of it.
     *
     * @throws IllegalStateException when Vert.x is not the one this was written against (5.0); the caller closes
     */
    static NettyWebSocket takeOver(HttpConnection connection, ContextInternal context, int maxMessageBytes) {
        if (!(connection instanceof HttpServerConnection server)) {
            throw new IllegalStateException("not a Vert.x 5 server connection: " + connection.getClass().getName());
        }
        ChannelHandlerContext vertxCtx = server.channelHandlerContext().pipeline().context(VertxHandler.class);
        if (vertxCtx == null || !vertxCtx.executor().inEventLoop()) {
            throw new IllegalStateException("no Vert.x handler in the WebSocket's pipeline, or not on its event loop");
        }
        ChannelHandler vertxHandler = vertxCtx.handler();
        NettyWebSocket webSocket = new NettyWebSocket(context, maxMessageBytes);
        vertxCtx.pipeline().replace(vertxHandler, "relay-websocket", webSocket);
        // Vert.x will not hear of this connection again: close its books on it now (its WebSocket and connection
        // gauges, its write queue), so that nothing of Vert.x's stays reachable or counted for the socket's life.
        try {
            ((ChannelInboundHandler) vertxHandler).channelInactive(vertxCtx);
        } catch (Exception e) {
            throw new IllegalStateException("Vert.x refused to let the WebSocket go", e);
        }
        return webSocket;
    }

    /** Where the WebSocket's messages and its end go; set once, right after {@link #takeOver}. */
    void listen(Listener listener) {
        this.listener = listener;
    }

    // ------------------------------------------------------------------ to the client, from any thread

    /** Writes a text ({@code String}) or binary ({@link Buffer}) message; completes once written to the socket, or failed. */
    Future<Void> write(Object message) {
        if (closeSent) {
            return context.failedFuture("WebSocket closed"); // RFC 6455 5.5.1: no data frame after a close frame
        }
        PromiseInternal<Void> written = context.promise();
        Object frame = message instanceof Buffer binary
                ? new BinaryWebSocketFrame(((BufferInternal) binary).getByteBuf())
                : textFrame(ctx.alloc(), (String) message);
        ctx.writeAndFlush(frame).addListener(written);
        return written.future();
    }

    /**
     * A text message as one unmasked final frame, header and UTF-8 in one buffer, which Netty's frame encoder lets
     * through as it is (it encodes {@link WebSocketFrame}s only). Its own way writes the text into one buffer, then
     * copies it into another behind the header: every frame the relay sends to a browser took both (no extension
     * is negotiated that would change a frame's bytes: see HttpVerticle).
     */
    static ByteBuf textFrame(ByteBufAllocator alloc, String text) {
        int length = ByteBufUtil.utf8Bytes(text); // as writeUtf8 writes it (a lone surrogate as '?')
        int header = length < 126 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuf frame = alloc.buffer(header + length);
        frame.writeByte(FIN_TEXT);
        if (length < 126) {
            frame.writeByte(length);
        } else if (length <= 0xFFFF) {
            frame.writeByte(126).writeShort(length);
        } else {
            frame.writeByte(127).writeLong(length);
        }
        ByteBufUtil.reserveAndWriteUtf8(frame, text, length);
        return frame;
    }

    /** Starts the close handshake: a close frame with {@code code} (1000, normal, when null); the client answers it. */
    void close(Short code) {
        if (closeSent || !ctx.channel().isActive()) {
            return;
        }
        closeSent = true;
        ChannelFuture sent = ctx.writeAndFlush(new CloseWebSocketFrame(code == null ? 1000 : code, null));
        if (inputBroken) {
            sent.addListener(f -> lingerThenClose());
        }
    }

    /**
     * Ends a connection whose input broke, after our close frame: half-closes it and reads on until the client
     * closes (or the caller's bound on a close handshake drops it). Closed at once, the client's unread bytes (the
     * rest of the frame over the limit it is still sending) would make the kernel answer with a reset, and a reset
     * can reach the client before it has read our close frame: it would see 1006 (no code) instead of 1009. The
     * decoder drops whatever arrives meanwhile, so the reading costs no memory.
     */
    private void lingerThenClose() {
        if (ctx.channel() instanceof DuplexChannel duplex && duplex.isActive()) {
            duplex.shutdownOutput();
        } else {
            ctx.close();
        }
    }

    /** Drops the TCP connection at once, with whatever is still waiting to be written. */
    void abort() {
        ctx.channel().close();
    }

    // ------------------------------------------------------------------ the assembled messages (WebSocketMessages.Sink)

    @Override
    public void text(String text) {
        listener.text(text);
    }

    @Override
    public void binary(Buffer data) {
        listener.binary(data);
    }

    @Override
    public void refused(short code) {
        listener.failed(code, "message refused");
    }

    // ------------------------------------------------------------------ from Netty, on the channel's event loop

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            context.dispatch(frame, this::frame);
        } finally {
            frame.release();
        }
    }

    private void frame(WebSocketFrame frame) {
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retainedDuplicate()));
        } else if (frame instanceof CloseWebSocketFrame close) {
            closeFrame(close);
        } else if (!(frame instanceof PongWebSocketFrame)) {
            messages.frame(frame);
        }
    }

    private void closeFrame(CloseWebSocketFrame frame) {
        if (closeSent) {
            ctx.close(); // the client's answer to our close
            return;
        }
        closeSent = true;
        // Echo the client's status (the decoder let only valid ones through), then the server closes the connection.
        int status = frame.statusCode();
        CloseWebSocketFrame answer = status < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(status, null);
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A frame the decoder refused leaves it dropping everything after, so a close of ours will hear no answer; its
        // code is the one RFC 6455 gives (1009 for a frame over the limit, 1002 for a protocol error). Anything else (a
        // reset connection) has no code, and the connection is closed now.
        Short code = cause instanceof CorruptedWebSocketFrameException corrupted && corrupted.closeStatus() != null
                ? (short) corrupted.closeStatus().code() : null;
        String why = String.valueOf(cause.getMessage());
        inputBroken = true;
        context.dispatch(v -> listener.failed(code, why));
        if (code == null) {
            ctx.close(); // an I/O error: the connection is gone
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!closedTold) {
            closedTold = true;
            context.dispatch(v -> listener.closed());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        // Vert.x's shutdown event when its server closes: the relay has closed its sockets by then, and the
        // server closes what is left. Released like any reference-counted event nobody handles.
        ReferenceCountUtil.release(event);
    }
}
