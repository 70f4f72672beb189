namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>mdadm.conf (Debian's and Red Hat's place): changed array UUIDs replaced; renamed members followed in DEVICE and devices=.</summary>
    public void RewriteConfiguration(FinalizeContext context)
    {
        var renamed = context.RenamedDevices.ToDictionary(r => r.Key, r => r.Value.NewPath, StringComparer.Ordinal);
        ConfigFileRewriter.Rewrite(context, "/etc/mdadm/mdadm.conf", text => MdConfDeviceNames.Rewrite(text, renamed));
        ConfigFileRewriter.Rewrite(context, "/etc/mdadm.conf", text => MdConfDeviceNames.Rewrite(text, renamed));
    }
}
