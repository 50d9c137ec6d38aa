package dev.numpool.inventory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Realistic verification texts for the simulator, per service and language, read from
 * {@code sms-templates.tsv}. A placeholder {@code {d6}} is six random digits, {@code {d3-3}} two
 * groups of three joined by a dash, {@code {service}} the service's name.
 */
final class SmsTemplates {
    private static final Pattern DIGITS = Pattern.compile("\\{d(\\d)(?:([- ])(\\d))?}");
    /** The language people in a region usually get their SMS in; English elsewhere. */
    private static final Map<String, String> LANGUAGE_BY_REGION = Map.ofEntries(
            Map.entry("RU", "ru"), Map.entry("KZ", "ru"), Map.entry("KG", "ru"), Map.entry("BY", "ru"), Map.entry("UZ", "ru"),
            Map.entry("BR", "pt"), Map.entry("PT", "pt"), Map.entry("ES", "es"), Map.entry("MX", "es"), Map.entry("AR", "es"),
            Map.entry("CO", "es"), Map.entry("PE", "es"), Map.entry("VE", "es"), Map.entry("DE", "de"), Map.entry("AT", "de"),
            Map.entry("FR", "fr"), Map.entry("BE", "fr"), Map.entry("MA", "fr"), Map.entry("SN", "fr"), Map.entry("CM", "fr"),
            Map.entry("ID", "id"), Map.entry("TR", "tr"), Map.entry("CN", "zh"), Map.entry("HK", "zh"), Map.entry("TW", "zh"),
            Map.entry("EG", "ar"), Map.entry("SA", "ar"), Map.entry("IQ", "ar"), Map.entry("DZ", "ar"), Map.entry("IN", "hi"),
            Map.entry("VN", "vi"), Map.entry("UA", "uk"));

    record Template(String service, String language, String sender, String text) {
    }

    record Sms(String sender, String text, String code) {
    }

    private final List<Template> templates;
    private final Map<String, String> serviceNames;

    SmsTemplates(List<Template> templates, Map<String, String> serviceNames) {
        this.templates = List.copyOf(templates);
        this.serviceNames = Map.copyOf(serviceNames);
    }

    static SmsTemplates load(Map<String, String> serviceNames) {
        List<Template> templates = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(SmsTemplates.class.getResourceAsStream("sms-templates.tsv")), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 4);
                templates.add(new Template(f[0], f[1], f[2], f[3].replace("\\n", "\n")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SmsTemplates(templates, serviceNames);
    }

    /** A text for {@code service} in the country's language half the time, in English otherwise. */
    Sms generate(String service, Country country, RandomGenerator random) {
        String language = random.nextBoolean() ? LANGUAGE_BY_REGION.getOrDefault(country.region(), "en") : "en";
        List<Template> choices = pick(service, language);
        if (choices.isEmpty()) {
            choices = pick(service, "en");
        }
        Template t = choices.get(random.nextInt(choices.size()));
        String name = serviceNames.getOrDefault(service, service);
        StringBuilder code = new StringBuilder();
        Matcher m = DIGITS.matcher(t.text());
        StringBuilder text = new StringBuilder();
        while (m.find()) {
            String first = digits(Integer.parseInt(m.group(1)), random);
            String second = m.group(3) == null ? "" : digits(Integer.parseInt(m.group(3)), random);
            code.append(first).append(second);
            m.appendReplacement(text, Matcher.quoteReplacement(m.group(2) == null ? first : first + m.group(2) + second));
        }
        m.appendTail(text);
        String sender = t.sender().equals("{service}") ? name : t.sender();
        return new Sms(sender, text.toString().replace("{service}", name), code.toString());
    }

    private List<Template> pick(String service, String language) {
        List<Template> own = templates.stream().filter(t -> t.service().equals(service) && t.language().equals(language)).toList();
        return own.isEmpty()
                ? templates.stream().filter(t -> t.service().equals("*") && t.language().equals(language)).toList()
                : own;
    }

    private static String digits(int count, RandomGenerator random) {
        StringBuilder s = new StringBuilder(count);
        // A first digit of zero is legal in real codes but makes a poor demo; avoid it.
        s.append((char) ('1' + random.nextInt(9)));
        for (int i = 1; i < count; i++) {
            s.append((char) ('0' + random.nextInt(10)));
        }
        return s.toString();
    }
}
