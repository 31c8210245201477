import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import NIOCore
import NIOFoundationCompat

/// Reads ListObjectsV2 answers (`<ListBucketResult>` with `<Contents>`, `<IsTruncated>`,
/// `<NextContinuationToken>`) and the `<Error>` bodies of failed requests.
enum S3ListParser {
    struct Page {
        var objects: [S3Client.Object] = []
        var isTruncated = false
        var nextToken: String?
    }

    static func parse(_ body: ByteBuffer) throws -> Page {
        let delegate = Delegate()
        let parser = XMLParser(data: Data(buffer: body))
        parser.delegate = delegate
        guard parser.parse(), delegate.sawResult else {
            throw S3Error(.malformedResponse, "S3 LIST answered something that is not a ListBucketResult: \(String(buffer: body).prefix(200))")
        }
        return delegate.page
    }

    /// The text of the first `<name>` element, entities decoded (for error bodies).
    static func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex) else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    private final class Delegate: NSObject, XMLParserDelegate {
        var page = Page()
        var sawResult = false
        private var text = ""
        private var current: S3Client.Object?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            text = ""
            if name == "ListBucketResult" { sawResult = true }
            if name == "Contents" { current = S3Client.Object(key: "", size: 0) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            switch name {
            case "Key": current?.key = text
            case "Size": current?.size = Int64(text) ?? 0
            case "ETag": current?.etag = text
            case "LastModified": current?.lastModified = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: text.contains(".")))
            case "Contents":
                if let object = current { page.objects.append(object) }
                current = nil
            case "IsTruncated": page.isTruncated = text == "true"
            case "NextContinuationToken": page.nextToken = text
            default: break
            }
        }
    }
}
