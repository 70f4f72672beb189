using System.Globalization;
using System.Text;

namespace Mkcdrec.Model.Manifest;

/// <summary>The names of the files in a backup directory and on a rescue medium (docs/archive-format.md, docs/rescue-media.md).</summary>
public static class BackupFiles
{
    /// <summary>The manifest; its presence means the directory holds a complete backup.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>The layout written beside the manifest.</summary>
    public const string Layout = "layout.json";

    /// <summary>The manifest a backup builds up until every archive is written (hidden; renamed to <see cref="Manifest"/>).</summary>
    public const string StagingManifest = ".manifest.partial.json";

    /// <summary>Prefix of the hidden directory where an archive's volumes are written before they replace the old ones.</summary>
    public const string StagingPrefix = ".mkcdrec-partial-";

    /// <summary>The backup directory on a rescue medium, relative to its root.</summary>
    public const string MediumBackupDirectory = "backup";

    /// <summary>The medium's own directory, relative to its root.</summary>
    public const string MediumDirectory = "mkcdrec";

    /// <summary>Which medium of a set this is (<see cref="Media.MediumDocument"/>), as a path inside the ISO.</summary>
    public const string MediumDocumentPath = "/" + MediumDirectory + "/medium.json";

    /// <summary>The layout a rescue medium carries, as a path inside the ISO.</summary>
    public const string MediumLayoutPath = "/" + MediumDirectory + "/" + Layout;

    /// <summary>
    /// The base name of an archive's volumes: the archive id with every character outside [A-Za-z0-9._-] as '_'
    /// (never starting with '.'), ".tar", the compression's extension, ".enc" when encrypted.
    /// </summary>
    public static string ArchiveBaseName(string archiveId, string compressionExtension, bool encrypted)
    {
        var sb = new StringBuilder();
        foreach (var ch in archiveId)
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_');
        }

        if (sb.Length == 0 || sb[0] == '.')
        {
            sb.Insert(0, "fs");
        }

        return sb + ".tar" + compressionExtension + (encrypted ? ".enc" : "");
    }

    /// <summary>The file name of volume <paramref name="index"/> (0-based) of an archive: BASE.001, BASE.002, …</summary>
    public static string VolumeName(string baseName, int index) => $"{baseName}.{(index + 1).ToString("D3", CultureInfo.InvariantCulture)}";
}
