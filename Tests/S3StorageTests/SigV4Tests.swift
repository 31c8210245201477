import Foundation
import S3Storage
import Testing

/// AWS's published Signature V4 examples: the generic test suite (get-vanilla and friends,
/// credentials AKIDEXAMPLE) and the S3 API reference's header-based examples (examplebucket).
@Suite struct SigV4Tests {
    static let suite = SigV4Signer(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                   region: "us-east-1", service: "service")
    static let suiteHeaders = [("Host", "example.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z")]

    @Test("get-vanilla: canonical request, string to sign and Authorization as published")
    func getVanilla() {
        let request = SigV4Signer.Request(method: "GET", path: "/", headers: Self.suiteHeaders, payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(Self.suite.canonicalRequest(request) == """
            GET
            /

            host:example.amazonaws.com
            x-amz-date:20150830T123600Z

            host;x-amz-date
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(Self.suite.authorization(request, amzDate: "20150830T123600Z") ==
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test("get-vanilla-query-order-key-case: the query is sorted before signing")
    func queryOrder() {
        let request = SigV4Signer.Request(method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
                                          headers: Self.suiteHeaders, payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(Self.suite.signature(request, amzDate: "20150830T123600Z") == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test("post-vanilla")
    func postVanilla() {
        let request = SigV4Signer.Request(method: "POST", path: "/", headers: Self.suiteHeaders, payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(Self.suite.signature(request, amzDate: "20150830T123600Z") == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    static let s3 = SigV4Signer(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
    static let empty = SigV4Signer.emptyPayloadHash

    @Test("S3 example: GET Object with a Range header")
    func s3GetObject() {
        let request = SigV4Signer.Request(method: "GET", path: "/test.txt", headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", Self.empty), ("x-amz-date", "20130524T000000Z"),
        ], payloadHash: Self.empty)
        #expect(Self.s3.stringToSign(request, amzDate: "20130524T000000Z") == """
            AWS4-HMAC-SHA256
            20130524T000000Z
            20130524/us-east-1/s3/aws4_request
            7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
            """)
        #expect(Self.s3.signature(request, amzDate: "20130524T000000Z") == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test("S3 example: PUT Object, a key with $ encoded and a signed payload hash")
    func s3PutObject() {
        let hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"  // "Welcome to Amazon S3."
        let path = "/" + SigV4Signer.uriEncode("test$file.text", keepSlash: true)
        #expect(path == "/test%24file.text")
        let request = SigV4Signer.Request(method: "PUT", path: path, headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
            ("x-amz-content-sha256", hash), ("x-amz-date", "20130524T000000Z"), ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ], payloadHash: hash)
        #expect(Self.s3.authorization(request, amzDate: "20130524T000000Z") ==
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test("S3 example: GET Bucket (list objects) with query parameters")
    func s3ListObjects() {
        let request = SigV4Signer.Request(method: "GET", path: "/", query: [("max-keys", "2"), ("prefix", "J")], headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("x-amz-content-sha256", Self.empty), ("x-amz-date", "20130524T000000Z"),
        ], payloadHash: Self.empty)
        #expect(Self.s3.signature(request, amzDate: "20130524T000000Z") == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test("URI encoding keeps only unreserved characters (and / in keys); header values are trimmed and collapsed")
    func encoding() {
        #expect(SigV4Signer.uriEncode("a b+c/d=é~", keepSlash: true) == "a%20b%2Bc/d%3D%C3%A9~")
        #expect(SigV4Signer.uriEncode("a/b", keepSlash: false) == "a%2Fb")
        let spaced = SigV4Signer.Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com"), ("My-Header1", "  value1   value2  "),
                                                                               ("X-Amz-Date", "20150830T123600Z")], payloadHash: SigV4Signer.emptyPayloadHash)
        #expect(Self.suite.canonicalRequest(spaced).contains("\nmy-header1:value1 value2\n"))
        #expect(SigV4Signer.amzDate(Date(timeIntervalSince1970: 1_369_353_600)) == "20130524T000000Z")
    }
}
