namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    public static readonly RescueComponent LvmComponent = new("lvm", "LVM (with thin pools)")
    {
        Programs =
        [
            new RescueProgram("lvm", "lvm2")
            {
                Links =
                [
                    "pvcreate", "pvremove", "pvs", "pvscan", "pvdisplay", "vgcreate", "vgchange", "vgremove", "vgs", "vgscan", "vgdisplay",
                    "vgcfgbackup", "vgcfgrestore", "lvcreate", "lvremove", "lvs", "lvscan", "lvdisplay", "lvchange", "lvconvert", "lvextend",
                ],
            },
            new RescueProgram("dmsetup", "dmsetup"),
            new RescueProgram("thin_check", "thin-provisioning-tools") { AlwaysOptional = true },
        ],
        Modules = ["dm_mod", "dm_thin_pool", "dm_snapshot", "dm_mirror", "dm_raid", "dm_zero", "dm_cache", "dm_persistent_data"],
        BootModules = ["dm_mod"],
        RequiredWhen = n => n.Layout is { Lvm.VolumeGroups.Count: > 0 },
    };

    /// <summary>LVM and the device-mapper targets in the rescue system.</summary>
    public IReadOnlyList<RescueComponent> RescueComponents { get; } = [LvmComponent];
}
