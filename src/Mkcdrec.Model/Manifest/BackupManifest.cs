using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mkcdrec.Model.Manifest;

/// <summary>
/// manifest.json of a backup directory (docs/archive-format.md): the archives (one per filesystem), their volumes
/// with sizes, SHA-256 and per-chunk hashes/MACs, and every entry with its content hash for verify --compare and drill.
/// </summary>
public sealed class BackupManifest
{
    public const int CurrentVersion = 1;

    private static readonly JsonTypeInfo<BackupManifest> StrictManifest = StrictJson.For<BackupManifest>(ManifestJsonContext.Default);

    public int FormatVersion { get; set; } = CurrentVersion;

    public string Tool { get; set; } = "mkcdrec";

    public DateTimeOffset Created { get; set; }

    /// <summary>The host that was backed up (mkbackuponly), when known.</summary>
    public string? Host { get; set; }

    /// <summary>The layout document beside the manifest (file name relative to it), written by mkbackuponly.</summary>
    public string? Layout { get; set; }

    /// <summary>0 for a full backup; an increment is its parent's level + 1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Level { get; set; }

    /// <summary>An increment's parent backup (the full one or the previous increment): every link of a chain names the one before.</summary>
    public BackupLink? Parent { get; set; }

    public List<ArchiveRecord> Archives { get; set; } = [];

    /// <summary>The admin's command that recover runs in a chroot of the recovered system after finalize (post-recovery-hook
    /// in the configuration at backup time); null: none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PostRecoveryHook { get; set; }

    /// <summary>
    /// Set in the readable manifest.json of an encrypted backup (docs/secrets.md): the whole manifest, encrypted with the
    /// backup's passphrase; the archives beside it keep only what checking volumes needs. Null in a plain backup and in
    /// the whole manifest once opened.
    /// </summary>
    public SealedManifest? Sealed { get; set; }

    public static BackupManifest Parse(ReadOnlySpan<byte> json, string where) => Parse(json, where, null);

    /// <summary>As <see cref="Parse(ReadOnlySpan{byte}, string)"/>, keeping the array itself (not a copy) for the file lists
    /// read later: the caller must not change it.</summary>
    public static BackupManifest Parse(byte[] json, string where) => Parse(json, where, json);

    private static BackupManifest Parse(ReadOnlySpan<byte> json, string where, byte[]? array)
    {
        BackupManifest? m;
        try
        {
            m = JsonSerializer.Deserialize(json, StrictManifest);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not a valid manifest: {e.Message}", e);
        }

        if (m is null)
        {
            throw new InvalidDataException($"{where}: the manifest is empty.");
        }

        if (m.FormatVersion != CurrentVersion)
        {
            throw new InvalidDataException($"{where}: manifest format version {m.FormatVersion}, this mkcdrec reads version {CurrentVersion}.");
        }

        foreach (var a in m.Archives.Where(a => m.Sealed is not null && ArchiveId.IsFilesystem(a.FilesystemId)))
        {
            a.Seal();
        }

        var kept = array;
        foreach (var a in m.Archives.Where(a => a.HasDeferredFiles))
        {
            a.KeepManifest(kept ??= json.ToArray(), where);
        }

        return m;
    }

    /// <summary>
    /// What stays readable of an encrypted backup's manifest without the passphrase: format, time, host, the chain link, and
    /// per archive its id, encryption parameters and volumes (names, sizes, SHA-256, keyed chunk MACs). Roots, counts,
    /// excludes, notes and the filesystems' file lists are only in <paramref name="sealed"/>.
    /// </summary>
    public BackupManifest PublicPart(SealedManifest @sealed) => new()
    {
        FormatVersion = FormatVersion,
        Tool = Tool,
        Created = Created,
        Host = Host,
        Layout = Layout,
        Level = Level,
        Parent = Parent,
        Sealed = @sealed,
        Archives = [.. Archives.Select(a => a.PublicPart())],
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ManifestJsonContext.Default.BackupManifest);

    /// <summary>Writes the JSON of <see cref="ToJson"/> to a stream as it is made: a whole tree's list is megabytes, never held twice.</summary>
    public void WriteTo(Stream stream) => JsonSerializer.Serialize(stream, this, ManifestJsonContext.Default.BackupManifest);
}

/// <summary>The backup an increment continues: its name at the destination (or directory), time and the SHA-256 of its manifest.json.</summary>
public sealed class BackupLink
{
    public string Name { get; set; } = "";

    public DateTimeOffset Created { get; set; }

    /// <summary>SHA-256 of the parent's manifest.json as stored, hex: a replaced or damaged parent breaks the chain visibly.</summary>
    public string ManifestSha256 { get; set; } = "";
}

public sealed class ArchiveRecord
{
    /// <summary>The filesystem id from the layout (a string the caller passes); unique in a manifest.</summary>
    public string FilesystemId { get; set; } = "";

    /// <summary>The directory that was archived.</summary>
    public string Root { get; set; } = "";

    /// <summary>zstd, gzip or none.</summary>
    public string Compression { get; set; } = "zstd";

    public int Level { get; set; }

    public EncryptionRecord? Encryption { get; set; }

    /// <summary>Bytes per chunk of a volume for the per-chunk hashes/MACs.</summary>
    public long ChunkSize { get; set; }

    /// <summary>Check value of each chunk: "xxh128" (plain archives) or "hmac-sha256" (encrypted).</summary>
    public string ChunkHash { get; set; } = "xxh128";

    public List<VolumeRecord> Volumes { get; set; } = [];

    public long EntryCount { get; set; }

    /// <summary>Content bytes of all files (sparse files: their real size).</summary>
    public long Bytes { get; set; }

    /// <summary>Size of the uncompressed tar stream.</summary>
    public long TarBytes { get; set; }

    public DateTimeOffset Started { get; set; }

    public DateTimeOffset Finished { get; set; }

    /// <summary>Exclude patterns in effect (relative to the root); verify --compare applies them to the live tree.</summary>
    public List<string> Excludes { get; set; } = [];

    /// <summary>Problems met while archiving (vanished or changed files, skipped sockets).</summary>
    public List<string> Notes { get; set; } = [];

    /// <summary>Every entry (an increment's: the whole tree at its time); read from the manifest on first use.</summary>
    public List<FileRecord> Files
    {
        get
        {
            lock (_filesLock)
            {
                ThrowIfSealed();
                if (_files is DeferredFileList d)
                {
                    _files = FileListJsonConverter.ReadList(Deferred(d), _manifestWhere, membersOnly: false);
                }

                return _files;
            }
        }

        set => _files = value;
    }

    /// <summary>
    /// The records of the members this archive holds, in order: all of <see cref="Files"/>, less an increment's unchanged
    /// ones. When the list was not read yet, only the members are read, and not kept: call it once.
    /// </summary>
    public List<FileRecord> Members()
    {
        lock (_filesLock)
        {
            ThrowIfSealed();
            if (_files is DeferredFileList d)
            {
                return FileListJsonConverter.ReadList(Deferred(d), _manifestWhere, membersOnly: Since is not null);
            }
        }

        return Since is null ? Files : Files.Where(f => f.Unchanged != true).ToList();
    }

    /// <summary>Where the file list was deferred by <see cref="BackupManifest.Parse"/>: the manifest's bytes and name.</summary>
    internal void KeepManifest(byte[] json, string where) => (_manifestJson, _manifestWhere) = (json, where);

    internal bool HasDeferredFiles => _files is DeferredFileList;

    /// <summary>True for an archive of the readable part of an encrypted backup's manifest: its file list is sealed.</summary>
    [JsonIgnore]
    public bool IsSealed { get; private set; }

    internal void Seal() => IsSealed = true;

    /// <summary>A filesystem archive reduced to its volumes; the LUKS headers' archive whole (its names are the containers'
    /// UUIDs, in the layout too: a recovery plans with them before it asks for the passphrase).</summary>
    internal ArchiveRecord PublicPart() => !ArchiveId.IsFilesystem(FilesystemId) ? this : new()
    {
        FilesystemId = FilesystemId,
        Compression = Compression,
        Level = Level,
        Encryption = Encryption,
        ChunkSize = ChunkSize,
        ChunkHash = ChunkHash,
        Volumes = Volumes,
        Incomplete = Incomplete,
        Root = "",
        Excludes = [],
        Notes = [],
        Files = [],
    };

    // A caller that reads a file list of a sealed manifest forgot to open it with the passphrase: never an empty list.
    private void ThrowIfSealed()
    {
        if (IsSealed)
        {
            throw new InvalidOperationException($"archive '{FilesystemId}': the file list is in the encrypted part of the manifest; open it with the passphrase first.");
        }
    }

    private ReadOnlySpan<byte> Deferred(DeferredFileList d) =>
        (_manifestJson ?? throw new InvalidOperationException("a deferred file list without its manifest")).AsSpan(d.Start, d.Length);

    /// <summary>
    /// An increment (absent in a full archive): the members are what changed at or after this time (the parent's
    /// start, less a second for the coarse file-system clock); every directory carries a GNU dumpdir; files listed with
    /// <see cref="FileRecord.Unchanged"/> are not in this archive but in an earlier one of the chain.
    /// </summary>
    public DateTimeOffset? Since { get; set; }

    /// <summary>
    /// Set while a backup run swaps this archive's new volumes into place (absent otherwise): a manifest that still
    /// says so after the run belongs to an interrupted backup, and verify/extract refuse the archive.
    /// </summary>
    public bool? Incomplete { get; set; }

    private readonly Lock _filesLock = new();
    private List<FileRecord> _files = [];
    private byte[]? _manifestJson;
    private string _manifestWhere = "";
}

public sealed class EncryptionRecord
{
    /// <summary>Always "aes-256-cbc" with "pbkdf2-sha256" (openssl enc -aes-256-cbc -pbkdf2 -iter N).</summary>
    public string Cipher { get; set; } = "aes-256-cbc";

    public string Kdf { get; set; } = "pbkdf2-sha256";

    public int Iterations { get; set; }

    /// <summary>Hex salt of the MAC key derivation (not the encryption salt, which is in the stream header).</summary>
    public string MacSalt { get; set; } = "";

    /// <summary>HMAC proving the passphrase is right, hex.</summary>
    public string KeyCheck { get; set; } = "";
}

/// <summary>
/// The encrypted whole manifest inside an encrypted backup's manifest.json: <see cref="Data"/> is base64 (one line) of
/// <c>openssl enc -aes-256-cbc -pbkdf2 -iter N</c> of the gzipped manifest JSON, so stock tools read it too; the MAC key
/// (<see cref="Encryption"/>'s salt and key check, as an archive's) authenticates it before it is decrypted.
/// </summary>
public sealed class SealedManifest
{
    public EncryptionRecord Encryption { get; set; } = new();

    /// <summary>HMAC-SHA256 of the encrypted bytes (after base64 decoding), hex.</summary>
    public string Hmac { get; set; } = "";

    public string Data { get; set; } = "";
}

public sealed class VolumeRecord
{
    /// <summary>File name, relative to the manifest's directory.</summary>
    public string File { get; set; } = "";

    public long Size { get; set; }

    public string Sha256 { get; set; } = "";

    /// <summary>Per chunk: the archive's ChunkHash of that chunk, hex.</summary>
    public List<string> Chunks { get; set; } = [];

    /// <summary>HMAC of the whole volume (encrypted archives), hex.</summary>
    public string? Hmac { get; set; }
}

/// <summary>One archive member. Names that are not valid UTF-8 are in the *B64 fields instead. Read and written by
/// <see cref="FileRecordJsonConverter"/> (through <see cref="FileListJsonConverter"/>) in a manifest: a property added here
/// must be added there.</summary>
public sealed class FileRecord
{
    [JsonPropertyName("p")]
    public string? Path { get; set; }

    [JsonPropertyName("pb")]
    public string? PathBase64 { get; set; }

    /// <summary>f file, d directory, l symlink, h hard link, c char device, b block device, p fifo.</summary>
    [JsonPropertyName("t")]
    public string Type { get; set; } = "f";

    [JsonPropertyName("m")]
    public uint Mode { get; set; }

    [JsonPropertyName("u")]
    public uint Uid { get; set; }

    [JsonPropertyName("g")]
    public uint Gid { get; set; }

    [JsonPropertyName("s")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Size { get; set; }

    /// <summary>mtime as "seconds.nanoseconds".</summary>
    [JsonPropertyName("mt")]
    public string MTime { get; set; } = "";

    [JsonPropertyName("l")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Link { get; set; }

    [JsonPropertyName("lb")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? LinkBase64 { get; set; }

    /// <summary>XXH128 of the content (files), hex.</summary>
    [JsonPropertyName("h")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Hash { get; set; }

    /// <summary>Device numbers "major,minor" (devices).</summary>
    [JsonPropertyName("dev")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Device { get; set; }

    /// <summary>XXH128 over the sorted extended attributes and ACLs (name NUL value), hex; null when none.</summary>
    [JsonPropertyName("x")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? XattrHash { get; set; }

    /// <summary>
    /// In an increment: true when the file did not change since the parent backup, so it is not in this archive (GNU
    /// dumpdir code N); its record is the parent's. The list of an increment is the whole tree at its time.
    /// </summary>
    [JsonPropertyName("n")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Unchanged { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(FileListJsonConverter)])] // file records are read and written by the list's FileRecordJsonConverter
[JsonSerializable(typeof(BackupManifest))]
public sealed partial class ManifestJsonContext : JsonSerializerContext
{
}
