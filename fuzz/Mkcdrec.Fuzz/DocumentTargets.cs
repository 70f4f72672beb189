using System.Net;
using System.Text;
using Mkcdrec.Core;
using Mkcdrec.Core.Destinations.S3;
using Mkcdrec.Core.Layout;
using Mkcdrec.Core.Planning;
using Mkcdrec.Core.Storage;
using Mkcdrec.Model.Layout;
using Mkcdrec.Core.Archive;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Media;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Fuzz;

/// <summary>
/// Targets for the documents that reach mkcdrec from outside: a layout file (an admin's, or one from another machine),
/// a backup's manifest.json and a medium's medium.json (read from media and servers), and an S3 store's XML answers.
/// Each goes as far as its consumer takes it: a layout is planned onto disks like its own, a manifest's file lists are read.
/// </summary>
public static class DocumentTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>
    {
        ["layout"] = Layout,
        ["manifest"] = Manifest,
        ["medium"] = Medium,
        ["s3-answer"] = S3Answer,
    };

    /// <summary>
    /// Parsed, shown (`layout show`), compared with itself (`layout check`), then planned as `recover --plan` would onto
    /// blank disks of the source's sizes (the planner refuses with MkcdrecException).
    /// </summary>
    private static void Layout(byte[] data)
    {
        var layout = LayoutSerializer.Deserialize(Encoding.UTF8.GetString(data), "fuzz");
        _ = LayoutTree.Render(layout).Length;
        _ = LayoutComparer.Compare(layout, LayoutSerializer.Deserialize(Encoding.UTF8.GetString(data), "fuzz")).Count;
        var targets = layout.Disks.Select(d => new TargetDisk
        {
            Path = d.Path,
            KernelName = d.KernelName,
            SizeBytes = d.SizeBytes,
            LogicalSectorSize = d.LogicalSectorSize,
            Serial = d.Serial,
        }).ToList();
        var plan = Planner.Plan(layout, targets, new PlanOptions());
        _ = PlanRenderer.Render(plan).Length;
    }

    private static readonly byte[] FuzzPassphrase = "fuzzpass"u8.ToArray();

    private static void Manifest(byte[] data)
    {
        var m = BackupManifest.Parse(data, "fuzz");
        if (m.Sealed is { Encryption.Iterations: <= 100_000 })
        {
            m = ManifestSeal.Open(m, "fuzz", FuzzPassphrase); // the seeds' passphrase: mutations reach the sealed part's parser
        }

        foreach (var a in m.Archives.Where(a => !a.IsSealed))
        {
            _ = a.Members().Count;
            foreach (var f in a.Files)
            {
                _ = (f.Path ?? f.PathBase64)?.Length;
            }
        }
    }

    private static void Medium(byte[] data)
    {
        var d = MediumDocument.Parse(data, "fuzz");
        foreach (var m in d.Media)
        {
            _ = d.MediumOf(m.Label);
        }
    }

    private static void ErrorAnswer(System.Xml.Linq.XDocument doc)
    {
        if (doc.Root?.Name.LocalName != "Error" || S3Listing.Element(doc.Root, "Code") is null)
        {
            throw new InvalidDataException("neither a listing nor an error answer");
        }
    }

    /// <summary>An S3 answer body, read as each kind of answer the client takes: object and upload listings, an error.</summary>
    private static void S3Answer(byte[] data)
    {
        var text = Encoding.UTF8.GetString(data);
        using var response = new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent(text) };
        _ = S3Errors.Read(response);
        var doc = S3Listing.ParseXml(text);
        FuzzTargets.AcceptedByAny(() => S3Listing.ObjectsPage(doc), () => S3Listing.UploadsPage(doc), () => ErrorAnswer(doc));
    }
}
