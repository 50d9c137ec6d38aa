package dev.numpool.sandbox;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The countries and services the simulated upstreams can sell, in each protocol's spelling: the
 * sms-activate country id and 2-letter service code, 5sim's lowercase names (which the agent
 * protocol uses too), the libphonenumber region numbers are made for, and a name for SMS texts.
 * A short list of the market's busiest, not the whole catalogue: the sandbox shows routing, not
 * coverage, and this module must not read Numpool's database.
 */
final class Names {
    record Country(int id, String fiveSim, String region) {
    }

    record Service(String code, String fiveSim, String display) {
    }

    static final List<Country> COUNTRIES = List.of(
            new Country(0, "russia", "RU"), new Country(1, "ukraine", "UA"), new Country(2, "kazakhstan", "KZ"),
            new Country(4, "philippines", "PH"), new Country(6, "indonesia", "ID"), new Country(16, "england", "GB"),
            new Country(22, "india", "IN"), new Country(36, "canada", "CA"), new Country(43, "germany", "DE"),
            new Country(73, "brazil", "BR"), new Country(78, "france", "FR"), new Country(187, "usa", "US"));

    static final List<Service> SERVICES = List.of(
            new Service("wa", "whatsapp", "WhatsApp"), new Service("tg", "telegram", "Telegram"),
            new Service("go", "google", "Google"), new Service("fb", "facebook", "Facebook"),
            new Service("ig", "instagram", "Instagram"), new Service("tw", "twitter", "X"),
            new Service("ds", "discord", "Discord"), new Service("vi", "viber", "Viber"),
            new Service("wb", "wechat", "WeChat"), new Service("mm", "microsoft", "Microsoft"),
            new Service("ub", "uber", "Uber"), new Service("oi", "tinder", "Tinder"),
            new Service("ot", "other", "Your"));

    private static final Map<Integer, Country> BY_ID = COUNTRIES.stream().collect(Collectors.toMap(Country::id, Function.identity()));
    private static final Map<String, Country> BY_FIVESIM = COUNTRIES.stream().collect(Collectors.toMap(Country::fiveSim, Function.identity()));
    private static final Map<String, Service> BY_CODE = SERVICES.stream().collect(Collectors.toMap(Service::code, Function.identity()));
    private static final Map<String, Service> BY_PRODUCT = SERVICES.stream().collect(Collectors.toMap(Service::fiveSim, Function.identity()));

    private Names() {
    }

    static Optional<Country> country(int id) {
        return Optional.ofNullable(BY_ID.get(id));
    }

    static Optional<Country> countryNamed(String fiveSim) {
        return Optional.ofNullable(fiveSim == null ? null : BY_FIVESIM.get(fiveSim));
    }

    static Optional<Service> service(String code) {
        return Optional.ofNullable(code == null ? null : BY_CODE.get(code));
    }

    static Optional<Service> product(String fiveSim) {
        return Optional.ofNullable(fiveSim == null ? null : BY_PRODUCT.get(fiveSim));
    }
}
