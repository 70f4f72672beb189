using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Boot.Grub;

/// <summary>GRUB on BIOS: which disks carry it, its configuration, reinstalled on every disk that had it.</summary>
public sealed partial class GrubTechnology : IStorageTechnology
{
    public string Name => "grub";
}
