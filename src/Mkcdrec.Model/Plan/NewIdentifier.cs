namespace Mkcdrec.Model.Plan;

/// <summary>
/// An identifier `recover --new-identifiers` makes anew instead of keeping the layout's (a clone on the same machine as
/// its original): the plan's steps use <see cref="New"/>, finalize rewrites the restored system's references to it.
/// </summary>
public sealed class NewIdentifier
{
    /// <summary>What it identifies: "filesystem", "swap", "luks", "md", "lvm-pv", "lvm-vg", "lvm-lv", "gpt-disk", "partition", "mbr-disk".</summary>
    public string Kind { get; set; } = "";

    /// <summary>The layout id of the device (e.g. "fs:ext4:…", "disk:sda/p2").</summary>
    public string LayoutId { get; set; } = "";

    /// <summary>The layout's value.</summary>
    public string Old { get; set; } = "";

    /// <summary>The new value; empty when the tool that makes the device chooses it (vgcreate, lvcreate).</summary>
    public string New { get; set; } = "";

    public override string ToString() => $"{Kind} {LayoutId}: {Old} -> {(New.Length > 0 ? New : "(chosen when made)")}";
}
