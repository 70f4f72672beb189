using System.Text.RegularExpressions;

namespace Mkcdrec.Core.Storage.Filesystems;

public sealed partial class FilesystemsTechnology
{
    [GeneratedRegex(@"(?<=^\s*RESUME=)(/dev/\S+)", RegexOptions.Multiline)]
    private static partial Regex ResumeDeviceLine();

    /// <summary>The initramfs's resume device (swap): a changed UUID replaced; a renamed device becomes its UUID.</summary>
    public void RewriteConfiguration(FinalizeContext context) =>
        ConfigFileRewriter.Rewrite(context, "/etc/initramfs-tools/conf.d/resume",
            text => ResumeDeviceLine().Replace(text, m => context.UuidSpecFor(m.Value) ?? m.Value));
}
