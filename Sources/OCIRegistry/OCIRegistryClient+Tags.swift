import AsyncHTTPClient
import Foundation
import NIOHTTP1

extension OCIRegistryClient {
    private struct TagList: Decodable {
        var tags: [String]?
    }

    /// `GET /v2/NAME/tags/list`, following `Link: <...>; rel="next"` pages until the last.
    /// `pageSize` asks for pages of that many tags (`n`); nil lets the registry choose.
    public func tags(repository: String, pageSize: Int? = nil) async throws -> [String] {
        try RegistryNames.validateRepository(repository)
        var next: String? = url("/v2/\(repository)/tags/list" + (pageSize.map { "?n=\($0)" } ?? ""))
        var tags: [String] = []
        var pages = 0
        while let pageURL = next {
            pages += 1
            let request = RegistryRequest(
                method: .GET, url: pageURL, scope: Self.pullScope(repository),
                operation: "the tag list of \(repository) (page \(pages))"
            )
            let (page, response) = try await sendForJSON(request, as: TagList.self)
            tags += page.tags ?? []
            next = LinkHeader.next(in: response.headers.first(name: "Link")).map(resolve(location:))
            if next == pageURL {
                throw invalidAnswer(request, "the next page's Link points back at the same page")
            }
        }
        return tags
    }
}

/// The `Link` header of paginated answers: `</v2/x/tags/list?n=2&last=b>; rel="next"`.
enum LinkHeader {
    /// The URL of the link whose rel is "next", as written (usually relative).
    static func next(in header: String?) -> String? {
        guard let header else { return nil }
        for link in header.split(separator: ",") {
            let parts = link.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = parts.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            let isNext = parts.dropFirst().contains { parameter in
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return pair.count == 2 && pair[0].lowercased() == "rel"
                    && pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")).split(separator: " ").contains("next")
            }
            if isNext { return String(target.dropFirst().dropLast()) }
        }
        return nil
    }
}
