namespace Mkcdrec.Formats; internal static class AssemblyMarker { }
