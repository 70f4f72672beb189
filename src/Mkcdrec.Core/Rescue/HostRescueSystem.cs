using Mkcdrec.Core.Media;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Rescue;

/// <summary>The media workflows' rescue-system source that builds it from this host with <see cref="RescueSystemBuilder"/>.</summary>
public sealed class HostRescueSystem(ISystemFiles files, IProcessRunner runner, ILog log, RescueSystemOptions? template = null) : IRescueSystemSource
{
    /// <summary>What the last <see cref="Build"/> produced (sizes, modules, programs, notes).</summary>
    public RescueSystem? Last { get; private set; }

    public RescueImage Build(LayoutDocument layout, string workDir)
    {
        var options = (template ?? new RescueSystemOptions { WorkDirectory = workDir }) with
        {
            WorkDirectory = Path.Combine(workDir, "rescue"),
            Layout = layout,
        };
        Last = new RescueSystemBuilder(files, runner, log).Build(options);
        return new RescueImage(Last.KernelPath, Last.InitramfsPath);
    }
}
