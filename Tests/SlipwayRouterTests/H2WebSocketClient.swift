import Commands
import Foundation

/// A WebSocket client over HTTP/2 (RFC 8441): Python's `h2` (the HTTP/2 stack of httpx) opens
/// the stream with the extended CONNECT, `wsproto` frames the WebSocket inside it. Both come from
/// the venv scripts/setup.sh makes. Prints one JSON object: the server's SETTINGS_ENABLE_CONNECT_PROTOCOL,
/// the stream's :status, echoes, the close code; or, for a `:protocol` the router does not relay,
/// whether the stream was reset.
enum H2WebSocketClient {
    /// `protocolName`: the extended CONNECT's `:protocol` (`websocket`, or another to be refused).
    static func run(port: Int, host: String, caFile: String, protocolName: String = "websocket") async throws -> [String: Any] {
        let directory = NSTemporaryDirectory() + "h2-ws-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data(Self.script.utf8).write(to: URL(fileURLWithPath: "\(directory)/client.py"))
        let result = try await Command(WebSocketApp.python, ["\(directory)/client.py", String(port), host, caFile, protocolName],
                                       workingDirectory: directory, timeout: .seconds(60)).run()
        guard result.succeeded, let object = try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] else {
            throw WebSocketAppError("the HTTP/2 WebSocket client failed (needs h2 and wsproto: bash scripts/setup.sh): \(result.standardOutput) \(result.standardError)")
        }
        return object
    }

    private static let script = #"""
        import json, os, socket, ssl, sys
        import h2.config, h2.connection, h2.events, h2.settings
        from wsproto.connection import Connection, ConnectionType
        from wsproto.events import BytesMessage, CloseConnection, Message, TextMessage

        port, host, ca, protocol = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
        context = ssl.create_default_context(cafile=ca)
        context.set_alpn_protocols(["h2"])
        sock = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20), server_hostname=host)
        out = {"alpn": sock.selected_alpn_protocol()}
        h2c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        h2c.initiate_connection()
        sock.sendall(h2c.data_to_send())
        pending = []

        def pump():
            data = sock.recv(65536)
            if not data:
                raise EOFError("the router closed the connection")
            for event in h2c.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    h2c.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                pending.append(event)
            sock.sendall(h2c.data_to_send())

        def next_event(kinds):
            while True:
                for i, event in enumerate(pending):
                    if isinstance(event, kinds):
                        return pending.pop(i)
                pump()

        next_event(h2.events.RemoteSettingsChanged)
        out["enable_connect_protocol"] = h2c.remote_settings.enable_connect_protocol
        stream = h2c.get_next_available_stream_id()
        h2c.send_headers(stream, [(":method", "CONNECT"), (":protocol", protocol), (":scheme", "https"), (":path", "/echo"),
                                  (":authority", f"{host}:{port}"), ("sec-websocket-version", "13")])
        sock.sendall(h2c.data_to_send())
        answer = next_event((h2.events.ResponseReceived, h2.events.StreamReset, h2.events.StreamEnded))
        if not isinstance(answer, h2.events.ResponseReceived):
            out["reset"] = isinstance(answer, h2.events.StreamReset)
            print(json.dumps(out))
            sys.exit(0)
        out["status"] = int(dict(answer.headers)[":status"])

        ws = Connection(ConnectionType.CLIENT)
        def send(event):
            data = ws.send(event)
            while data:  # within the stream's and the connection's flow-control windows
                size = min(len(data), h2c.local_flow_control_window(stream), h2c.max_outbound_frame_size)
                if size == 0:
                    next_event(h2.events.WindowUpdated)
                    continue
                h2c.send_data(stream, data[:size])
                sock.sendall(h2c.data_to_send())
                data = data[size:]

        def receive():
            while True:
                for event in ws.events():
                    return event
                got = next_event((h2.events.DataReceived, h2.events.StreamEnded, h2.events.StreamReset))
                if not isinstance(got, h2.events.DataReceived):
                    return got
                ws.receive_data(got.data)

        def whole_message():
            parts, kind = [], None
            while True:
                event = receive()
                if not isinstance(event, Message):
                    return event
                parts.append(event.data)
                if event.message_finished:
                    return b"".join(parts) if isinstance(event, BytesMessage) else "".join(parts)

        send(TextMessage(data="hello"))
        out["text"] = whole_message()
        big = os.urandom(1 << 20)  # beyond the default windows: flow control both ways
        send(BytesMessage(data=big))
        out["binary_echoed"] = whole_message() == big
        send(CloseConnection(code=1000, reason="client done"))
        closed = receive()
        out["close_code"] = closed.code if isinstance(closed, CloseConnection) else repr(closed)
        ended = next_event((h2.events.StreamEnded, h2.events.StreamReset))
        out["stream_ended"] = isinstance(ended, h2.events.StreamEnded)
        print(json.dumps(out))
        """#
}
