using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Rescue;

/// <summary>The rescue system built from this host by <see cref="RescueSystemBuilder"/> (kernel, modules, programs, /init, menu, the layout).</summary>
public sealed class BuiltRescueSystem(RescueSystemBuilder builder, RescueSystemOptions template, ILog log) : IRescueSystemSource
{
    public RescueSystem? Result { get; private set; }

    public RescueImage Build(LayoutDocument layout, string workDir)
    {
        var dir = Path.Combine(workDir, "rescue");
        Directory.CreateDirectory(dir);
        Result = builder.Build(template with { WorkDirectory = dir, Layout = layout });
        log.Info($"rescue system: kernel {Result.KernelVersion}, initramfs {Result.InitramfsBytes} bytes, {Result.Modules.Count} modules, {Result.Programs.Count} programs, {Result.Elapsed.TotalSeconds:0.0} s");
        return new RescueImage(Result.KernelPath, Result.InitramfsPath);
    }
}
