package dev.jground.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A verb's command line: {@code --name value} options, {@code --flag}s and positional arguments. */
public record Options(Map<String, String> values, Set<String> flags, List<String> positional) {

    /** Parses args; {@code valued} lists the options that take a value, any other {@code --x} is a flag. */
    public static Options parse(List<String> args, List<String> valued) {
        return parse(args, valued, List.of());
    }

    public static Options parse(List<String> args, List<String> valued, List<String> knownFlags) {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> flags = new HashSet<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() == 2) { positional.add(a); continue; }
            String name = a.substring(2), inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) { inline = name.substring(eq + 1); name = name.substring(0, eq); }
            if (valued.contains(name)) {
                if (inline == null) {
                    if (i + 1 >= args.size()) throw new UsageException("--" + name + " needs a value");
                    inline = args.get(++i);
                }
                values.put(name, inline);
            } else if (knownFlags.contains(name) && inline == null) {
                flags.add(name);
            } else {
                throw new UsageException("unknown option --" + name);
            }
        }
        return new Options(values, flags, positional);
    }

    public String get(String name, String def) { return values.getOrDefault(name, def); }

    /** The value of an option the verb cannot do without. */
    public String required(String name) {
        String v = values.get(name);
        if (v == null) throw new UsageException("--" + name + " is required");
        return v;
    }

    public int integer(String name, int def) {
        String v = values.get(name);
        if (v == null) return def;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }

    public boolean flag(String name) { return flags.contains(name); }
}
