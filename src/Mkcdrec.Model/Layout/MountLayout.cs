namespace Mkcdrec.Model.Layout;

public sealed class Mount
{
    public string Target { get; set; } = "";

    /// <summary>The filesystem mounted here.</summary>
    public string FilesystemId { get; set; } = "";

    public string Source { get; set; } = "";

    public string Type { get; set; } = "";

    public string Options { get; set; } = "";

    /// <summary>For btrfs: the subvolume path mounted.</summary>
    public string? Subvolume { get; set; }

    /// <summary>Whether /etc/fstab names this mount.</summary>
    public bool InFstab { get; set; }
}

public sealed class ConfigFiles
{
    public string? Fstab { get; set; }

    public string? Crypttab { get; set; }

    public string? MdadmConf { get; set; }

    public List<FstabEntry> FstabEntries { get; set; } = [];

    public List<CrypttabEntry> CrypttabEntries { get; set; } = [];
}

public sealed class FstabEntry
{
    public string Spec { get; set; } = "";

    public string Target { get; set; } = "";

    public string Type { get; set; } = "";

    public string Options { get; set; } = "";

    public int Dump { get; set; }

    public int Pass { get; set; }

    /// <summary>The filesystem id the spec resolves to, when capture could resolve it.</summary>
    public string? FilesystemId { get; set; }
}

public sealed class CrypttabEntry
{
    public string Name { get; set; } = "";

    public string Device { get; set; } = "";

    public string? KeyFile { get; set; }

    public string? Options { get; set; }
}
