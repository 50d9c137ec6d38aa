package dev.numpool.inventory;

/** Where providers hand the SMS they receive; the orders module installs the one listener. */
@FunctionalInterface
public interface SmsListener {
    void onSms(InboundSms sms);
}
