using System.Globalization;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>Tokens that plan steps require and provide across technologies, and sizes as the tools take them.</summary>
public static class PlanTokens
{
    /// <summary>A btrfs subvolume made by the subvolume step (mounts of it wait for it).</summary>
    public static string Subvolume(Filesystem f, string path) => "subvol:" + f.Id + ":" + path.Trim('/');

    /// <summary>A filesystem mounted at its original target (nested mounts wait for their parent).</summary>
    public static string Mount(string target) => "mount:" + target;

    /// <summary>A size in bytes with lvm's unit suffix ("1048576b").</summary>
    public static string SizeInBytes(long bytes) => bytes.ToString(CultureInfo.InvariantCulture) + "b";

    /// <summary>A size in KiB with lvm's unit suffix ("64k").</summary>
    public static string SizeInKibibytes(long bytes) => (bytes / 1024).ToString(CultureInfo.InvariantCulture) + "k";
}
