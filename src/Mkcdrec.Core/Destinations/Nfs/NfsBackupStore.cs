using Mkcdrec.Core.Destinations.Local;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Destinations.Nfs;

/// <summary>Backups in a directory of an NFS export: the export mounted for the store's lifetime, the directory store on it.</summary>
public sealed class NfsBackupStore : DirectoryBackupStore
{
    private readonly NfsMount _mount;

    private NfsBackupStore(NfsMount mount, string display)
        : base(mount.MountPoint, display)
    {
        _mount = mount;
    }

    public static NfsBackupStore Open(DestinationUrl url, IProcessRunner runner)
    {
        var mount = NfsMount.Mount(url, runner);
        return new NfsBackupStore(mount, $"nfs://{url.Host}{(url.Port is { } p ? ":" + p : "")}{url.Path}");
    }

    public override void Dispose()
    {
        _mount.Dispose();
        base.Dispose();
    }
}
