using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Mkcdrec.Core.Destinations.S3;

/// <summary>
/// The pages of S3's list answers (ListObjectsV2, ListMultipartUploads) read from their XML: the store is outside input,
/// so a field that is not what the API documents is refused with <see cref="InvalidDataException"/>, never guessed.
/// </summary>
public static class S3Listing
{
    /// <summary>The objects of one ListObjectsV2 page and the token of the next page (null on the last).</summary>
    public static (List<S3Object> Objects, string? NextToken) ObjectsPage(XDocument doc)
    {
        var root = RootOf(doc, "ListBucketResult");
        var objects = new List<S3Object>();
        foreach (var c in root.Elements().Where(e => e.Name.LocalName == "Contents"))
        {
            var key = Element(c, "Key") ?? throw new InvalidDataException("a listed object has no Key");
            var sizeText = Element(c, "Size") ?? "0";
            if (!long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                throw new InvalidDataException($"object {key} is listed with size '{Shorten(sizeText)}', not a byte count");
            }

            objects.Add(new S3Object(key, size, Time(Element(c, "LastModified"))));
        }

        var next = Truncated(root) ? Element(root, "NextContinuationToken") ?? throw new InvalidDataException("a truncated listing without NextContinuationToken") : null;
        return (objects, next);
    }

    /// <summary>The uploads of one ListMultipartUploads page and the markers of the next page (null on the last).</summary>
    public static (List<S3Upload> Uploads, (string Key, string Id)? Next) UploadsPage(XDocument doc)
    {
        var root = RootOf(doc, "ListMultipartUploadsResult");
        var uploads = root.Elements().Where(e => e.Name.LocalName == "Upload")
            .Select(u => new S3Upload(Element(u, "Key") ?? "", Element(u, "UploadId") ?? "", Time(Element(u, "Initiated"))))
            .ToList();
        (string, string)? next = null;
        if (Truncated(root))
        {
            next = (Element(root, "NextKeyMarker") ?? throw new InvalidDataException("a truncated upload listing without NextKeyMarker"),
                Element(root, "NextUploadIdMarker") ?? "");
        }

        return (uploads, next);
    }

    /// <summary>
    /// An answer's XML. S3 answers never carry a DTD: one is refused, so an answer cannot expand entities (a few hundred
    /// bytes can expand to gigabytes) or name outside files.
    /// </summary>
    /// <exception cref="InvalidDataException">The text is not XML, or has a DTD.</exception>
    public static XDocument ParseXml(string text)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), settings);
            return XDocument.Load(reader);
        }
        catch (XmlException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    /// <summary>The text of the first child element named <paramref name="localName"/> (any namespace), or null.</summary>
    public static string? Element(XContainer parent, string localName) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == localName)?.Value;

    private static XElement RootOf(XDocument doc, string name) =>
        doc.Root is { } r && r.Name.LocalName == name ? r : throw new InvalidDataException($"the answer is not a {name} (root element {doc.Root?.Name.LocalName ?? "none"})");

    private static bool Truncated(XElement root) => Element(root, "IsTruncated") == "true";

    // A time the store wrote oddly only costs the age shown in listings (prune orders by the backups' names).
    private static DateTimeOffset Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : default;

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
