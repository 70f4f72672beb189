namespace Mkcdrec.Core.Storage.Luks;

public sealed partial class LuksTechnology
{
    /// <summary>crypttab: changed UUIDs replaced; a renamed device in the second column becomes its UUID.</summary>
    public void RewriteConfiguration(FinalizeContext context) =>
        ConfigFileRewriter.Rewrite(context, "/etc/crypttab", text => DeviceTableRewriter.ReplaceDevices(text, 1, context.UuidSpecFor));
}
