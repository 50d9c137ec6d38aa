package dev.numpool.inventory;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The services and countries Numpool sells, as the database lists them, and the currency all prices are in. */
final class Catalogue {
    private final Map<String, Service> services;
    private final Map<Integer, Country> countries;
    private final String currency;

    Catalogue(List<Service> services, List<Country> countries, String currency) {
        this.services = services.stream().collect(Collectors.toUnmodifiableMap(Service::code, Function.identity()));
        this.countries = countries.stream().collect(Collectors.toUnmodifiableMap(Country::id, Function.identity()));
        this.currency = currency;
    }

    Optional<Service> service(String code) {
        return Optional.ofNullable(code).map(services::get);
    }

    Optional<Country> country(int id) {
        return Optional.ofNullable(countries.get(id));
    }

    List<Service> services() {
        return services.values().stream().sorted(Comparator.comparing(Service::code)).toList();
    }

    List<Country> countries() {
        return countries.values().stream().sorted(Comparator.comparingInt(Country::id)).toList();
    }

    boolean sellsService(String code) {
        return services.containsKey(code);
    }

    boolean sellsCountry(int id) {
        return countries.containsKey(id);
    }

    /** The country the catalogue sells in that phone region, if any. */
    Optional<Country> countryIn(String region) {
        return countries.values().stream().filter(c -> c.region().equals(region)).findFirst();
    }

    String currency() {
        return currency;
    }
}
