/**
 * BTHome v2 advertisements and the values they carry, transcribed from
 * Bluetooth-Devices/bthome-ble tests/test_parser_v2.py (release 3.20.0):
 * each `frame` is the test's service data (`data_string`), each `fields`
 * the test's expected sensor, binary-sensor and event values, under this
 * project's field names (see modules/sources/bthome-objects.ts). The tests'
 * advertiser address is A4:C1:38:8D:18:B2 unless given.
 */
import type { FieldValue } from '../../modules/reading.js';

export interface PlainVector {
  test: string;
  frame: string;
  fields: Record<string, FieldValue>;
}

export const plainVectors: PlainVector[] = [
  { test: 'test_bthome_temperature_humidity', frame: '4002ca0903bf13', fields: { temperature: 25.06, humidity: 50.55 } },
  { test: 'test_bthome_packet_id_temperature_humidity_battery', frame: '400009015d025d0903b718', fields: { battery: 93, temperature: 23.97, humidity: 63.27 } },
  { test: 'test_bthome_pressure', frame: '4004138a01', fields: { pressure: 1008.83 } },
  { test: 'test_bthome_illuminance', frame: '4005138a14', fields: { illuminance: 13460.67 } },
  { test: 'test_bthome_mass_kilograms', frame: '40065e1f', fields: { mass_kg: 80.3 } },
  { test: 'test_bthome_mass_pounds', frame: '40073e1d', fields: { mass_lb: 74.86 } },
  { test: 'test_bthome_dew_point', frame: '4008ca06', fields: { dew_point: 17.38 } },
  { test: 'test_bthome_count', frame: '400960', fields: { count: 96 } },
  { test: 'test_bthome_energy', frame: '400a138a14', fields: { energy: 1346.067 } },
  { test: 'test_bthome_power', frame: '400b021b00', fields: { power: 69.14 } },
  { test: 'test_bthome_voltage', frame: '400c020c', fields: { voltage: 3.074 } },
  { test: 'test_bthome_binary_sensor', frame: '400f01', fields: { generic: true } },
  { test: 'test_bthome_binary_sensor_power', frame: '401001', fields: { power_on: true } },
  { test: 'test_bthome_binary_sensor_opening', frame: '401100', fields: { opening: false } },
  { test: 'test_bthome_binary_sensor_window', frame: '402d01', fields: { window: true } },
  { test: 'test_bthome_pm', frame: '400d120c0e021c', fields: { pm25: 3090, pm10: 7170 } },
  { test: 'test_bthome_co2', frame: '4012e204', fields: { co2: 1250 } },
  { test: 'test_bthome_voc', frame: '40133301', fields: { voc: 307 } },
  { test: 'test_bthome_moisture', frame: '4014020c', fields: { moisture: 30.74 } },
  { test: 'test_bthome_event_button_long_press', frame: '403a04', fields: { button: 'long_press' } },
  { test: 'test_bthome_event_triple_button_device', frame: '403a003a013a03', fields: { button_2: 'press', button_3: 'triple_press' } },
  { test: 'test_bthome_event_button_hold_press', frame: '403a80', fields: { button: 'hold_press' } },
  { test: 'test_bthome_event_dimmer_rotate_left_3_steps', frame: '403c0103', fields: { dimmer: 'rotate_left', dimmer_steps: 3 } },
  { test: 'test_bthome_rotation', frame: '403f020c', fields: { rotation: 307.4 } },
  { test: 'test_bthome_distance_millimeters', frame: '40400c00', fields: { distance_mm: 12 } },
  { test: 'test_bthome_distance_meters', frame: '40414e00', fields: { distance_m: 7.8 } },
  { test: 'test_bthome_duration', frame: '40424e3400', fields: { duration: 13.39 } },
  { test: 'test_bthome_current', frame: '40434e34', fields: { current: 13.39 } },
  { test: 'test_bthome_speed', frame: '40444e34', fields: { speed: 133.9 } },
  { test: 'test_bthome_speed_signed', frame: '40624099dfff', fields: { speed: -2.123456 } },
  { test: 'test_bthome_temperature_2', frame: '40451101', fields: { temperature: 27.3 } },
  { test: 'test_bthome_uv_index', frame: '404632', fields: { uv_index: 5 } },
  { test: 'test_bthome_volume_liters', frame: '40478756', fields: { volume_l: 2215.1 } },
  { test: 'test_bthome_volume_milliliters', frame: '4048dc87', fields: { volume_ml: 34780 } },
  { test: 'test_bthome_volume_flow_rate', frame: '4049dc87', fields: { volume_flow_rate: 34.78 } },
  { test: 'test_bthome_voltage_2', frame: '404a020c', fields: { voltage: 307.4 } },
  { test: 'test_bthome_gas', frame: '404b138a14', fields: { gas: 1346.067 } },
  { test: 'test_bthome_gas_2', frame: '404c41018a01', fields: { gas: 25821.505 } },
  { test: 'test_bthome_energy_2', frame: '404d12138a14', fields: { energy: 344593.17 } },
  { test: 'test_bthome_volume_liters_2', frame: '404e87562a01', fields: { volume_l: 19551.879 } },
  { test: 'test_bthome_volume_water', frame: '404f87562a01', fields: { water: 19551.879 } },
  // datetime(2023, 5, 14, 19, 41, 17, tzinfo=timezone.utc) as seconds since the epoch.
  { test: 'test_bthome_timestamp', frame: '44505d396164', fields: { timestamp: 1684093277 } },
  { test: 'test_bthome_acceleration', frame: '44518756', fields: { acceleration: 22.151 } },
  { test: 'test_bthome_acceleration_signed', frame: '40630057d0ff', fields: { acceleration: -3.123456 } },
  { test: 'test_bthome_gyroscope', frame: '44528756', fields: { gyroscope: 22.151 } },
  { test: 'test_bthome_text', frame: '44530c48656c6c6f20576f726c6421', fields: { text: 'Hello World!' } },
  { test: 'test_bthome_raw', frame: '44540c48656c6c6f20576f726c6421', fields: { raw: '48656c6c6f20576f726c6421' } },
  { test: 'test_bthome_volume_storage', frame: '405587562a01', fields: { volume_storage: 19551.879 } },
  { test: 'test_bthome_conductivity', frame: '4056e803', fields: { conductivity: 1000 } },
  { test: 'test_bthome_temperature_1_byte', frame: '4057ea', fields: { temperature: -22 } },
  { test: 'test_bthome_temperature_1_byte_2', frame: '4058ea', fields: { temperature: -7.7 } },
  { test: 'test_bthome_count_signed', frame: '4059ea', fields: { count: -22 } },
  { test: 'test_bthome_count_signed_2_bytes', frame: '405aeaea', fields: { count: -5398 } },
  { test: 'test_bthome_count_signed_4_bytes', frame: '405bea0234ea', fields: { count: -365690134 } },
  { test: 'test_bthome_power_signed', frame: '405c02fbffff', fields: { power: -12.78 } },
  { test: 'test_bthome_current_signed', frame: '405d02ea', fields: { current: -5.63 } },
  { test: 'test_bthome_double_temperature', frame: '4002ca0902cf09', fields: { temperature_1: 25.06, temperature_2: 25.11 } },
  {
    test: 'test_bthome_triple_temperature_double_humidity_battery',
    frame: '4002ca0902cf0902cf0803b71803b717015d',
    fields: { temperature_1: 25.06, temperature_2: 25.11, temperature_3: 22.55, humidity_1: 63.27, humidity_2: 60.71, battery: 93 },
  },
  {
    test: 'test_bthome_double_voltage_different_object_id',
    frame: '4000010b0000004a0d0901330ce90c',
    fields: { power: 0, voltage_1: 231.7, battery: 51, voltage_2: 3.305 },
  },
  { test: 'test_bthome_shelly_button', frame: '40005201643a01', fields: { battery: 100, button: 'press' } },
  { test: 'test_bthome_test', frame: '4000a70c780b1000', fields: { voltage: 2.936, power_on: false } },
  { test: 'test_bthome_direction_precipitation', frame: '405e3f755f11d5', fields: { direction: 300.15, precipitation: 5454.5 } },
  { test: 'test_bthome_channel', frame: '406001', fields: { channel: 1 } },
  { test: 'test_bthome_revolutions_per_minute', frame: '4061ac0d', fields: { rotational_speed: 3500 } },
  { test: 'test_bthome_light_level', frame: '406402', fields: { light_level: 2 } },
  { test: 'test_shelly_blu_ht_display_zb', frame: '40002e01641e012e34451601', fields: { battery: 100, light: true, humidity: 52, temperature: 27.8 } },
  { test: 'test_bthome_not_sending_object_ids_in_numerical_order', frame: '4003bf1302ca09', fields: { humidity: 50.55, temperature: 25.06 } },
];

/** Encrypted advertisements from the same file, with their keys (bindkeys) and advertiser addresses. */
export const BTHOME_KEY = '231d39c1d7cc1ab1aee224cd096db932';
export const BTHOME_MAC = '54:48:E6:8F:80:A5';
export const encryptedVectors = {
  /** test_bindkey_correct: temperature 25.06, humidity 50.55; counter 0x33221100. */
  climate: '41a47266c95f730011223378237214',
  /** test_bthome_motion: motion true. */
  motion: '4187b90011223372b0231f',
  /** test_bthome_with_mac_encrypted: MAC in the frame (flag bit 1), temperature 25.06, humidity 50.55. */
  climateWithMac: '43a5808fe64854f196c06ffb4900112233f08ecbde',
  /** test_increasing/decreasing/same_encryption_counter: counters 0x00112233, 0x00112234, 0x00112232. */
  counter112233: '41e445f3c9962b332211006c7c4519',
  counter112234: '413e932cc7175f34221100553876af',
  counter112232: '41723d3035fb88322211009e7414c0',
  /** test_reset_encryption_counter: counter 0xffffffff, then 0. */
  counterMax: '41ba0db07aeef6ffffffff21fd4600',
  counterZero: '41de40b50e676600000000d7cb95de',
  /** test_too_short_encryption_advertisement. */
  tooShort: '41ba0db07aeef600',
  /** test_bindkey_wrong: this frame under WRONG_KEY at A4:C1:38:8D:18:B2 does not verify. */
  otherDevice: '41d2fcefe52eb212d600112233bc38c966',
};
export const WRONG_KEY = '814aac74c4f17b6c1581e1ab87816b99';
/** test_encrypted_shelly_blu_button_event: a Shelly BLU button's encrypted, trigger-based frame (device info 0x45). */
export const shellyButton = { key: '90bffd73cb6b26ef58a7a8eba9232036', mac: 'B4:35:22:F5:3D:A4', frame: '450aeb84467f85ba0100003188788c' };
