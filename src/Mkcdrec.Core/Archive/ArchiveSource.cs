using System.Security.Cryptography;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Formats.Tar;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>A backup directory: its manifest, and the checked, decrypted, decompressed tar stream of one archive.</summary>
public sealed class ArchiveSource
{
    private ArchiveSource(string dir, BackupManifest manifest, string manifestSha256, IVolumeSource volumes)
    {
        Directory = dir;
        Manifest = manifest;
        ManifestSha256 = manifestSha256;
        Volumes = volumes;
    }

    /// <summary>SHA-256 of manifest.json as read (hex): what an increment's parent link must name.</summary>
    public string ManifestSha256 { get; }

    /// <summary>
    /// Opens the parent an increment names (<see cref="BackupChain"/>). Default: a backup directory beside this one
    /// at the same destination (DEST/HOST/TIME, the link naming HOST/TIME), or the absolute directory the link names.
    /// </summary>
    public Func<BackupLink, ArchiveSource>? OpenParent { get; set; }

    /// <summary>Where volumes are read (the directory, the media of a multi-medium set, a destination off the machine).</summary>
    public IVolumeSource Volumes { get; }

    public string Directory { get; }

    /// <summary>The manifest as stored; of an encrypted backup, only its public part until <see cref="Unseal"/>.</summary>
    public BackupManifest Manifest { get; private set; }

    /// <summary>The passphrase that opened a sealed manifest: the links of its chain are opened with it too.</summary>
    public byte[]? Passphrase { get; private set; }

    /// <summary>True while the manifest's file lists are still encrypted (an encrypted backup opened without its passphrase).</summary>
    public bool IsSealed => Manifest.Sealed is not null;

    /// <summary>Opens an encrypted backup's whole manifest with <paramref name="passphrase"/> (nothing to do for a plain one, or without a passphrase).</summary>
    public ArchiveSource Unseal(byte[]? passphrase)
    {
        if (IsSealed && passphrase is not null)
        {
            Manifest = ManifestSeal.Open(Manifest, Path.Combine(Directory, BackupFiles.Manifest), passphrase);
            Passphrase = passphrase;
        }

        return this;
    }

    /// <param name="dir">The directory of the backup's manifest.json (and, unless <paramref name="volumes"/> says otherwise, its volumes).</param>
    /// <param name="passphrase">An encrypted backup's passphrase: its whole manifest is opened (<see cref="Unseal"/>).</param>
    public static ArchiveSource Open(string dir, IVolumeSource? volumes = null, byte[]? passphrase = null)
    {
        var path = Path.Combine(dir, BackupFiles.Manifest);
        if (!File.Exists(path))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"No {BackupFiles.Manifest} in '{dir}'.",
                "Give the directory that holds the backup's manifest.json and volumes.");
        }

        var bytes = File.ReadAllBytes(path);
        return new ArchiveSource(dir, BackupManifest.Parse(bytes, path), Convert.ToHexStringLower(SHA256.HashData(bytes)), volumes ?? DirectoryVolumeLocator.Instance)
            .Unseal(passphrase);
    }

    public ArchiveRecord Select(string? filesystemId)
    {
        if (filesystemId is not null)
        {
            return Manifest.Archives.FirstOrDefault(a => a.FilesystemId == filesystemId)
                ?? throw new MkcdrecException(ExitCode.BadInput, $"The backup has no archive '{filesystemId}'.",
                    $"Choose one of: {string.Join(", ", Manifest.Archives.Select(a => a.FilesystemId))}.");
        }

        // Without --id the one filesystem archive is meant; the LUKS headers beside it are not a choice to make.
        var filesystems = Manifest.Archives.Where(a => ArchiveId.IsFilesystem(a.FilesystemId)).ToList();
        return filesystems.Count switch
        {
            1 => filesystems[0],
            0 => throw new MkcdrecException(ExitCode.BadInput, "The manifest lists no archives.", "Check that the backup finished."),
            _ => throw new MkcdrecException(ExitCode.Usage, "The backup holds several archives.",
                $"Choose one with --id: {string.Join(", ", Manifest.Archives.Select(a => a.FilesystemId))}."),
        };
    }

    /// <summary>More PBKDF2 iterations than any backup needs: a manifest asking for them would only stall the reader (minutes per try).</summary>
    public const int MaxIterations = 10_000_000;

    /// <summary>The MAC of an encrypted archive, after checking the passphrase; null for plain archives.</summary>
    public static VolumeMac? OpenMac(ArchiveRecord a, byte[]? passphrase)
    {
        if (a.Encryption is not { } enc)
        {
            return null;
        }

        if (passphrase is null)
        {
            throw new MkcdrecException(ExitCode.Usage, $"Archive '{a.FilesystemId}' is encrypted.", "Give the passphrase with --passphrase-file FILE (or '-' to type it).");
        }

        if (enc.Cipher != "aes-256-cbc" || enc.Kdf != "pbkdf2-sha256" || enc.Iterations is <= 0 or > MaxIterations)
        {
            throw new InvalidDataException($"manifest: archive '{a.FilesystemId}' uses encryption {enc.Cipher}/{enc.Kdf}/{enc.Iterations}, which this mkcdrec does not know.");
        }

        var mac = new VolumeMac(passphrase, Convert.FromHexString(enc.MacSalt), enc.Iterations);
        if (!CryptographicOperations.FixedTimeEquals(mac.KeyCheck(), Convert.FromHexString(enc.KeyCheck)))
        {
            mac.Dispose();
            throw new MkcdrecException(ExitCode.BadInput, $"Wrong passphrase for archive '{a.FilesystemId}'.",
                "Give the passphrase the backup was made with; nothing was extracted.");
        }

        return mac;
    }

    /// <summary>The tar stream of an archive, every volume chunk checked before use. Dispose the returned owner.</summary>
    public TarStream OpenTar(ArchiveRecord a, byte[]? passphrase)
    {
        if (a.IsSealed)
        {
            throw new MkcdrecException(ExitCode.Usage, $"Archive '{a.FilesystemId}' is encrypted, and so is the backup's list of its files.",
                "Give the passphrase with --passphrase-file FILE (or '-' to type it).");
        }

        var mac = OpenMac(a, passphrase);
        var volumes = new VolumeSetReader(Directory, a, mac, Volumes);
        var dec = a.Encryption is { } enc ? OpenSslEnc.Decrypt(volumes, passphrase, enc.Iterations, leaveOpen: true) : null;
        var comp = ArchivePipeline.Decompress(dec ?? volumes, ArchivePipeline.Parse(a.Compression));
        return new TarStream(new ReadAheadStream(comp), comp, dec, volumes, mac);
    }
}

/// <summary>The decoding pipeline of one archive.</summary>
public sealed class TarStream : IDisposable
{
    private readonly Stream? _dec;
    private readonly VolumeSetReader _volumes;
    private readonly VolumeMac? _mac;

    private readonly Stream _comp;

    internal TarStream(Stream plain, Stream comp, Stream? dec, VolumeSetReader volumes, VolumeMac? mac)
    {
        Plain = plain;
        _comp = comp;
        _dec = dec;
        _volumes = volumes;
        _mac = mac;
        Reader = new PaxTarReader(plain);
    }

    public Stream Plain { get; }

    public PaxTarReader Reader { get; }

    /// <summary>Reads whatever follows the tar end marker so every chunk is checked and the compressed/encrypted stream ends properly.</summary>
    public void Drain()
    {
        var buf = new byte[1 << 16];
        try
        {
            while (Plain.Read(buf) > 0)
            {
            }
        }
        catch (CryptographicException e)
        {
            throw new InvalidDataException($"the encrypted stream does not end properly ({e.Message}): the last volume is damaged or incomplete.", e);
        }
    }

    public void Dispose()
    {
        Plain.Dispose();
        if (!ReferenceEquals(_comp, _dec ?? _volumes))
        {
            _comp.Dispose();
        }

        _dec?.Dispose();
        _volumes.Dispose();
        _mac?.Dispose();
    }
}
