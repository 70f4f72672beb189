namespace Mkcdrec.Core.Storage.Bcache;

public sealed partial class BcacheTechnology
{
    public static readonly RescueComponent BcacheComponent = new("bcache", "bcache caching devices")
    {
        Programs = [new RescueProgram("make-bcache", "bcache-tools"), new RescueProgram("bcache-super-show", "bcache-tools")],
        Modules = ["bcache"],
        // bcache-tools' rule registers every bcache superblock udev sees, old ones on the target disks too (keeping them
        // busy); the plan registers what it makes itself, like md and LVM whose assembly rules are left out too.
        ExcludePaths = ["/usr/lib/udev/rules.d/69-bcache.rules", "/lib/udev/rules.d/69-bcache.rules"],
        RequiredWhen = n => n.Layout is { Bcache.Count: > 0 },
    };

    /// <summary>make-bcache, bcache-super-show and the bcache module in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [BcacheComponent];

    /// <summary>
    /// make-bcache, and what its steps run around it (<see cref="BcacheSysfs"/>): modprobe (the module is not loaded on first
    /// use), wipefs, udevadm, and tee and test for sysfs (busybox applets in the rescue system).
    /// </summary>
    public IReadOnlyList<RescueProgram> StepPrograms { get; } =
    [
        .. BcacheComponent.Programs, new RescueProgram("modprobe", "kmod"), new RescueProgram("wipefs", "util-linux"), SharedPrograms.Udevadm,
        new RescueProgram("tee", "coreutils"), new RescueProgram("test", "coreutils"),
    ];
}
