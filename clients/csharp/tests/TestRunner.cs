// TestRunner.cs: a small test runner for the client's unit tests (no NUnit in Mono's base
// install): every public static method marked [Test] in this assembly runs once, in name
// order; a failure is an exception. Exit status 0 when all pass, 1 otherwise.
//   mono clients/csharp/bin/ClientTests.exe [name-filter]

using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace Bgsim.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestAttribute : Attribute { }

    public sealed class AssertionException : Exception
    {
        public AssertionException(string message) : base(message) { }
    }

    public static class Assert
    {
        public static void True(bool condition, string what)
        {
            if (!condition) throw new AssertionException(what);
        }

        public static void Equal<T>(T expected, T actual, string what = "value")
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
                throw new AssertionException(string.Format("{0}: expected <{1}>, got <{2}>", what, expected, actual));
        }

        public static TException Throws<TException>(Action action, string what = "the action") where TException : Exception
        {
            try
            {
                action();
            }
            catch (TException e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionException(string.Format("{0}: expected {1}, got {2}: {3}", what, typeof(TException).Name, e.GetType().Name, e.Message));
            }
            throw new AssertionException(string.Format("{0}: expected {1}, nothing was thrown", what, typeof(TException).Name));
        }
    }

    public static class TestRunner
    {
        public static int Main(string[] args)
        {
            var filter = args.Length > 0 ? args[0] : "";
            var tests = Assembly.GetExecutingAssembly().GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
                .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                .Where(m => (m.DeclaringType.Name + "." + m.Name).Contains(filter))
                .OrderBy(m => m.DeclaringType.Name + "." + m.Name, StringComparer.Ordinal)
                .ToList();
            var failed = 0;
            foreach (var test in tests)
            {
                var name = test.DeclaringType.Name + "." + test.Name;
                // What the client writes to standard error is shown only for a failure.
                var stderr = System.Console.Error;
                var captured = new System.IO.StringWriter();
                System.Console.SetError(captured);
                try
                {
                    test.Invoke(null, null);
                    System.Console.SetError(stderr);
                    System.Console.WriteLine("ok   " + name);
                }
                catch (TargetInvocationException e)
                {
                    System.Console.SetError(stderr);
                    System.Console.Write(captured.ToString());
                    failed++;
                    var inner = e.InnerException;
                    System.Console.WriteLine("FAIL " + name + ": " + inner.GetType().Name + ": " + inner.Message);
                    if (!(inner is AssertionException)) System.Console.WriteLine(inner.StackTrace);
                }
            }
            System.Console.WriteLine(string.Format("{0} tests, {1} passed, {2} failed", tests.Count, tests.Count - failed, failed));
            return failed == 0 && tests.Count > 0 ? 0 : 1;
        }
    }
}
