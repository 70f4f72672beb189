namespace Mkcdrec.Core.Storage;

/// <summary>
/// Programs that the rescue system's base and the steps of several technologies run, declared once: a technology lists
/// them in its <see cref="IStorageTechnology.StepPrograms"/>, the rescue system's base component carries them.
/// </summary>
public static class SharedPrograms
{
    /// <summary>udev's control tool: `udevadm settle` waits for the device nodes a step made.</summary>
    public static readonly RescueProgram Udevadm = new("udevadm", "udev");

    public static readonly RescueProgram Mount = new("mount", "mount");

    public static readonly RescueProgram Umount = new("umount", "mount");

    /// <summary>A busybox applet in the rescue system (so in no component); the package is for the hint on a host.</summary>
    public static readonly RescueProgram Mkdir = new("mkdir", "coreutils");
}
