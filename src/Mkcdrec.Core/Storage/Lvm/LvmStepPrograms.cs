using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Storage.Lvm;

public sealed partial class LvmTechnology
{
    /// <summary>
    /// lvm's programs, and the tools that put the original UUIDs into the metadata file (sed, grep: busybox applets in the
    /// rescue system, so not in its rescue component) and wait for the volumes (udevadm).
    /// </summary>
    public IReadOnlyList<RescueProgram> StepPrograms { get; } =
        [.. LvmComponent.Programs, new RescueProgram("sed", "sed"), new RescueProgram("grep", "grep"), SharedPrograms.Udevadm];
}
