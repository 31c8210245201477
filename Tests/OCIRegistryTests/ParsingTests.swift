import Foundation
import Logging
import NIOCore
@testable import OCIRegistry
import Testing

/// The pure parts: headers, error bodies, digests, names. No registry needed.
struct ParsingTests {
    @Test func bearerChallengeWithCommasInTheScope() throws {
        let challenge = try #require(AuthChallenge(header: #"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push""#))
        #expect(challenge.scheme == .bearer)
        #expect(challenge.realm == "https://auth.example/token")
        #expect(challenge.service == "registry.example")
        #expect(challenge.scope == "repository:a/b:pull,push")
    }

    @Test func basicChallenge() throws {
        let challenge = try #require(AuthChallenge(header: #"Basic realm="slipway-test""#))
        #expect(challenge.scheme == .basic)
        #expect(challenge.realm == "slipway-test")
        #expect(AuthChallenge(header: "") == nil)
    }

    @Test func linkHeaderNext() {
        #expect(LinkHeader.next(in: #"</v2/a/tags/list?last=b&n=1>; rel="next""#) == "/v2/a/tags/list?last=b&n=1")
        #expect(LinkHeader.next(in: #"</x>; rel="prev""#) == nil)
        #expect(LinkHeader.next(in: nil) == nil)
    }

    @Test func registryErrorBodyBecomesATypedError() {
        let body = ByteBuffer(string: #"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"repository","Name":"slipway/hello","Action":"push"}]}]}"#)
        let error = RegistryErrorBody.error(
            status: 401, reason: "Unauthorized", body: body, registry: "127.0.0.1:5055",
            operation: "the push of manifest slipway/hello:v1", hasCredentials: true
        )
        #expect(error.isUnauthorized)
        #expect(error.codes == ["UNAUTHORIZED"])
        #expect(error.errors.first?.detail?.contains("slipway/hello") == true)
        #expect(error.description.hasPrefix(
            "registry 127.0.0.1:5055 refused the push of manifest slipway/hello:v1 (HTTP 401): UNAUTHORIZED authentication required"
        ), "\(error)")
        #expect(error.description.contains("check the username and password given for 127.0.0.1:5055"))
    }

    @Test func nonJSONErrorBodyIsKeptAsText() {
        let error = RegistryErrorBody.error(
            status: 502, reason: "Bad Gateway", body: ByteBuffer(string: "upstream down\n"), registry: "r", operation: "x", hasCredentials: false
        )
        #expect(error.kind == .refused)
        #expect(error.message == "upstream down")
    }

    @Test func digestsAreValidated() throws {
        let digest = OCIDigest.sha256(of: Data("hello".utf8))
        #expect(digest.rawValue == "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        #expect(try OCIDigest(digest.rawValue) == digest)
        #expect(digest.encoded.count == 64)
        #expect(throws: OCIRegistryError.self) { try OCIDigest("sha256:../../etc") }
        #expect(throws: OCIRegistryError.self) { try OCIDigest("md5:abc") }
    }

    @Test func namesAreValidatedBeforeTheyReachAPath() throws {
        try RegistryNames.validateRepository("slipway/hello-world_1.x")
        try RegistryNames.validateReference("v1.2.3-RC_1")
        #expect(throws: OCIRegistryError.self) { try RegistryNames.validateRepository("Slipway/Hello") }
        #expect(throws: OCIRegistryError.self) { try RegistryNames.validateRepository("a//b") }
        #expect(throws: OCIRegistryError.self) { try RegistryNames.validateRepository("../x") }
        #expect(throws: OCIRegistryError.self) { try RegistryNames.validateReference("v1?x=y") }
    }

    @Test func loopbackRegistriesArePlainHTTP() throws {
        #expect(try OCIRegistryClient.baseURL(forRegistry: "127.0.0.1:5055").absoluteString == "http://127.0.0.1:5055")
        #expect(try OCIRegistryClient.baseURL(forRegistry: "localhost:5000").absoluteString == "http://localhost:5000")
        #expect(try OCIRegistryClient.baseURL(forRegistry: "ghcr.io").absoluteString == "https://ghcr.io")
        #expect(try OCIRegistryClient.baseURL(forRegistry: "10.0.0.5:5000", insecure: true).absoluteString == "http://10.0.0.5:5000")
    }

    @Test func relativeLocationsResolveAgainstTheRegistry() throws {
        let client = try OCIRegistryClient(baseURL: URL(string: "http://127.0.0.1:5055")!, logger: .init(label: "t"))
        #expect(client.resolve(location: "/v2/a/blobs/uploads/u1?_state=s") == "http://127.0.0.1:5055/v2/a/blobs/uploads/u1?_state=s")
        #expect(client.resolve(location: "https://other/v2/x") == "https://other/v2/x")
        #expect(OCIRegistryClient.appendingQuery(to: "http://h/u?_state=s", "digest=sha256:ab") == "http://h/u?_state=s&digest=sha256:ab")
    }
}
