import NIOCore
import Testing

@testable import DockerAPI

@Suite struct BuildOutputParserTests {
    static func parse(_ chunks: [String]) -> (events: [BuildOutputParser.Event], id: String?) {
        var parser = BuildOutputParser()
        var events: [BuildOutputParser.Event] = []
        for chunk in chunks {
            events += parser.consume(ByteBuffer(string: chunk))
        }
        events += parser.finish()
        return (events, parser.imageID)
    }

    /// Captured from Podman 4.3 through the Docker-compatible API.
    static let podmanSuccess = """
        {"stream":"STEP 1/3: FROM busybox\\n"}
        {"stream":"STEP 2/3: RUN echo hello\\n"}
        {"stream":"hello\\n"}
        {"stream":"--\\u003e 725748a7d1d\\n"}
        {"stream":"STEP 3/3: COPY a /a\\n"}
        {"stream":"COMMIT x\\n"}
        {"aux":{"ID":"sha256:9d2e0e5bd1b0bd2f2e5bd4b9d1c84d0e7a0c6a1e7fb0d36d5d5a4d8c83b4f0a1"}}
        {"stream":"Successfully built 9d2e0e5bd1b0\\n"}
        {"stream":"Successfully tagged localhost/x:latest\\n"}

        """

    @Test func streamLinesAndAuxID() {
        let (events, id) = Self.parse([Self.podmanSuccess])
        #expect(events.first == .output("STEP 1/3: FROM busybox"))
        #expect(events.contains(.output("hello")))
        #expect(events.contains(.output("--> 725748a7d1d")))
        #expect(!events.contains { if case .failure = $0 { true } else { false } })
        #expect(id == "sha256:9d2e0e5bd1b0bd2f2e5bd4b9d1c84d0e7a0c6a1e7fb0d36d5d5a4d8c83b4f0a1")
    }

    @Test func jsonLinesAndStreamTextSplitAnywhere() {
        let text = Self.podmanSuccess
        // Cut every 7 bytes: JSON objects and the text inside them arrive in pieces.
        let chunks = stride(from: 0, to: text.utf8.count, by: 7).map { start -> String in
            let bytes = Array(text.utf8)
            return String(decoding: bytes[start..<min(start + 7, bytes.count)], as: UTF8.self)
        }
        #expect(Self.parse(chunks).events == Self.parse([text]).events)
    }

    @Test func streamTextIsSplitIntoLines() {
        // Docker sends " ---> abc" pieces and several lines in one "stream" value.
        let (events, _) = Self.parse([#"{"stream":"Step 1/2 : FROM busybox"}"# + "\n", #"{"stream":"\n ---\u003e abc\nrunning\n"}"# + "\n"])
        #expect(events == [.output("Step 1/2 : FROM busybox"), .output(" ---> abc"), .output("running")])
    }

    @Test func errorLineIsAFailureWithTheEngineMessage() {
        let (events, id) = Self.parse([
            #"{"stream":"STEP 2/2: RUN exit 7\n"}"# + "\n",
            #"{"errorDetail":{"message":"building at STEP \"RUN exit 7\": while running runtime: exit status 7\n"},"error":"building at STEP \"RUN exit 7\": while running runtime: exit status 7\n"}"# + "\n",
        ])
        #expect(events == [.output("STEP 2/2: RUN exit 7"), .failure(#"building at STEP "RUN exit 7": while running runtime: exit status 7"#)])
        #expect(id == nil)
    }

    @Test func idFromSuccessfullyBuiltWithoutAux() {
        let (_, id) = Self.parse([#"{"stream":"Successfully built 1a2b3c4d5e6f\n"}"# + "\n", #"{"stream":"Successfully tagged x:1\n"}"#])
        #expect(id == "1a2b3c4d5e6f")
    }

    @Test func idFromPodmanLastLineWithoutAux() {
        let full = String(repeating: "ab", count: 32)
        let (_, id) = Self.parse([#"{"stream":"COMMIT x\n"}"# + "\n" + #"{"stream":"\#(full)\n"}"# + "\n"])
        #expect(id == full)
        #expect(DockerClient.normalizedImageID(full) == "sha256:" + full)
        #expect(DockerClient.normalizedImageID("sha256:" + full) == "sha256:" + full)
        #expect(DockerClient.normalizedImageID("1a2b3c") == "1a2b3c")
    }

    @Test func pullStatusWithoutProgressIsShown() {
        let (events, _) = Self.parse([
            #"{"status":"Pulling from library/busybox","id":"latest"}"# + "\n",
            #"{"status":"Downloading","progress":"[=>   ]","id":"abc"}"# + "\n",
        ])
        #expect(events == [.output("latest: Pulling from library/busybox")])
    }
}
