namespace Mkcdrec.Core.Storage.Mounts;

public sealed partial class MountsTechnology
{
    /// <summary>
    /// fstab: changed UUIDs replaced; a renamed device in the first column becomes its UUID. systemd's own mount, swap
    /// and automount units (What=/dev/disk/by-uuid/…) get the changed UUIDs too.
    /// </summary>
    public void RewriteConfiguration(FinalizeContext context)
    {
        ConfigFileRewriter.Rewrite(context, "/etc/fstab", text => DeviceTableRewriter.ReplaceDevices(text, 0, context.UuidSpecFor));
        if (context.IdChanges.Count == 0 || !Directory.Exists(context.RootPath(SystemdUnits)))
        {
            return;
        }

        foreach (var unit in Directory.EnumerateFiles(context.RootPath(SystemdUnits))
                     .Where(f => f.EndsWith(".mount", StringComparison.Ordinal) || f.EndsWith(".swap", StringComparison.Ordinal) || f.EndsWith(".automount", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            ConfigFileRewriter.Rewrite(context, SystemdUnits + "/" + Path.GetFileName(unit));
        }
    }

    /// <summary>Where the administrator's units are (generated ones under /run come from fstab at boot).</summary>
    private const string SystemdUnits = "/etc/systemd/system";
}
