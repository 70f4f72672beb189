namespace Mkcdrec.Model.Layout;

public sealed class LuksDevice
{
    /// <summary>Stable id: "luks:" + LUKS UUID.</summary>
    public string Id { get; set; } = "";

    /// <summary>Id of the device holding the LUKS header.</summary>
    public string DeviceId { get; set; } = "";

    public int Version { get; set; }

    public string Uuid { get; set; } = "";

    public string? Label { get; set; }

    /// <summary>Data cipher in cryptsetup's form, e.g. "aes-xts-plain64".</summary>
    public string Cipher { get; set; } = "";

    public int KeySizeBits { get; set; }

    public string? Hash { get; set; }

    /// <summary>PBKDF of the first active keyslot (argon2id, argon2i, pbkdf2).</summary>
    public string? Pbkdf { get; set; }

    /// <summary>That keyslot's cost, so the recreated keyslot is as strong as the original: argon2 time cost or PBKDF2 iterations.</summary>
    public int? PbkdfIterations { get; set; }

    /// <summary>Argon2 memory cost in KiB.</summary>
    public int? PbkdfMemoryKiB { get; set; }

    /// <summary>Argon2 parallel threads.</summary>
    public int? PbkdfParallel { get; set; }

    /// <summary>Data offset in bytes (header size).</summary>
    public long? DataOffsetBytes { get; set; }

    public int? SectorSize { get; set; }

    /// <summary>The dm name it is opened as (e.g. "cryptroot"), when open.</summary>
    public string? MappedName { get; set; }

    public string? MappedPath { get; set; }

    public CrypttabEntry? Crypttab { get; set; }

    public string? UsedBy { get; set; }
}
