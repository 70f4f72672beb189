using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Media;

/// <summary>
/// The netboot output: vmlinuz, initrd.img, grub.cfg (GRUB netboot, e.g. grub-mknetdir's grubx64.efi / core.0) and
/// pxelinux.cfg/default (pxelinux.0 / lpxelinux.0), for a TFTP/HTTP root. With a backup URL the rescue system fetches
/// the backup over HTTP (mkcdrec.backup=URL). Every file is written atomically.
/// </summary>
public sealed class NetbootWriter
{
    private readonly ILog _log;

    public NetbootWriter(ILog log) => _log = log;

    public IReadOnlyList<string> Write(string outputDir, string kernelPath, string initrdPath, string? backupUrl, int timeoutSeconds = 5, string extraKernelArguments = "")
    {
        Directory.CreateDirectory(Path.Combine(outputDir, "pxelinux.cfg"));
        var menu = new BootMenuOptions
        {
            BackupUrl = backupUrl,
            TimeoutSeconds = timeoutSeconds,
            ExtraKernelArguments = extraKernelArguments,
            KernelPath = "/vmlinuz",
            InitrdPath = "/initrd.img",
        };
        var written = new List<string>();
        foreach (var (name, src) in new[] { ("vmlinuz", kernelPath), ("initrd.img", initrdPath) })
        {
            var final = Path.Combine(outputDir, name);
            var temp = AtomicOutput.TempPathFor(final);
            AtomicFile.RemoveAbandonedTemps(final);
            try
            {
                File.Copy(src, temp, overwrite: true);
                AtomicOutput.Commit(temp, final);
            }
            catch
            {
                AtomicOutput.Discard(temp);
                throw;
            }

            written.Add(final);
        }

        foreach (var (name, text) in new[] { ("grub.cfg", BootMenu.GrubConfig(menu, netboot: true)), ("pxelinux.cfg/default", BootMenu.PxelinuxConfig(menu)) })
        {
            var final = Path.Combine(outputDir, name);
            AtomicFile.WriteAllText(final, text);
            written.Add(final);
        }

        _log.Info($"netboot files in {outputDir}: {string.Join(", ", written.Select(Path.GetFileName))}");
        return written;
    }
}
