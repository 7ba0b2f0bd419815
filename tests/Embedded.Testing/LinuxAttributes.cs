using Xunit;

namespace Embedded.Testing;

/// <summary>A fact that needs a POSIX shell, setsid and /proc: it runs on Linux (CI's platform) and is skipped, saying so, elsewhere.</summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux (a POSIX shell, setsid and /proc)";
    }
}

/// <summary>A theory that needs a POSIX shell; runs on Linux, skipped elsewhere.</summary>
public sealed class LinuxTheoryAttribute : TheoryAttribute
{
    public LinuxTheoryAttribute()
    {
        if (!OperatingSystem.IsLinux()) Skip = "needs Linux (a POSIX shell, setsid and /proc)";
    }
}
