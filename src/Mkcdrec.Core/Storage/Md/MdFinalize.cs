namespace Mkcdrec.Core.Storage.Md;

public sealed partial class MdTechnology
{
    /// <summary>mdadm.conf (Debian's and Red Hat's place): changed array UUIDs replaced; it names no device by path.</summary>
    public void RewriteConfiguration(FinalizeContext context)
    {
        ConfigFileRewriter.Rewrite(context, "/etc/mdadm/mdadm.conf");
        ConfigFileRewriter.Rewrite(context, "/etc/mdadm.conf");
    }
}
