namespace Mkcdrec.Model.Plan;

/// <summary>
/// An identifier the plan would create (e.g. a filesystem UUID kept from the layout) that a device of this machine
/// the plan does not overwrite already has: two devices with one UUID, and the recovered system may mount or boot the
/// wrong one. The executor refuses a plan that has any (docs/recovery.md, "Identifiers already on the machine").
/// </summary>
public sealed class IdentifierConflict
{
    /// <summary>The device that already has it, e.g. /dev/sda2.</summary>
    public string Device { get; set; } = "";

    /// <summary>The whole disks that device is on (what to disconnect), e.g. /dev/sda.</summary>
    public List<string> Disks { get; set; } = [];

    /// <summary>As blkid names it: "UUID", "PARTUUID" or "PTUUID".</summary>
    public string Kind { get; set; } = "";

    /// <summary>The value, as blkid spells it on that device.</summary>
    public string Value { get; set; } = "";

    /// <summary>blkid's TYPE of that device (ext4, crypto_LUKS, LVM2_member…), when it has one.</summary>
    public string? Type { get; set; }

    /// <summary>The layout id of what the plan makes with the same value (e.g. "fs:ext4:…", "luks:…", "disk:sda/p2").</summary>
    public string LayoutId { get; set; } = "";

    /// <summary>The device(s) the plan makes it on, e.g. /dev/sdb2.</summary>
    public string MadeOn { get; set; } = "";

    /// <summary>For messages: "/dev/sda2 (on /dev/sda): UUID 6469… (ext4), which the plan gives to fs:ext4:… on /dev/sdb2".</summary>
    public override string ToString() =>
        Device + (Disks.Count == 0 || Disks.SequenceEqual([Device]) ? "" : $" (on {string.Join(", ", Disks)})") + $": {Kind} {Value}"
        + (Type is null ? "" : $" ({Type})") + $", which the plan gives to {LayoutId}" + (MadeOn.Length == 0 ? "" : $" on {MadeOn}");
}
