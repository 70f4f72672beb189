namespace Mkcdrec.Core.Storage.Mounts;

public sealed partial class MountsTechnology
{
    /// <summary>fstab: changed UUIDs replaced; a renamed device in the first column becomes its UUID.</summary>
    public void RewriteConfiguration(FinalizeContext context) =>
        ConfigFileRewriter.Rewrite(context, "/etc/fstab", text => DeviceTableRewriter.ReplaceDevices(text, 0, context.UuidSpecFor));
}
